/**
 * The one list of what the API serves. Each capability owns its routes (`<name>.routes.ts`, built
 * with `createRouter()` from src/http) and is mounted here, in this order.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/index.js';

export function mountRoutes(_app: OpenAPIHono<AppEnv>): void {}
