/**
 * The dashboard's API types are the server's: `web/src/api/openapi.gen.ts` is exactly what the
 * generator makes from the OpenAPI document of the current routes. When this fails, a route the
 * dashboard calls changed: run `npm run api:types` and let the type checker show what to adapt.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generate, OUTPUT, openApiDocument } from './api-types.js';

it('web/src/api/openapi.gen.ts is up to date with the server’s routes (npm run api:types)', async () => {
  expect(readFileSync(OUTPUT, 'utf8')).toBe(generate(await openApiDocument()));
});
