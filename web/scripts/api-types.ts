/**
 * Writes `web/src/api/openapi.gen.ts`: the TypeScript types of the API operations the dashboard
 * calls, derived from the server's own OpenAPI document (built in memory, no server started). The
 * dashboard imports only these types, never server code, so its bundle holds no server code and its
 * types cannot drift from the routes: `api-types.test.ts` fails when the file is out of date.
 *
 *     npx tsx web/scripts/api-types.ts        # or: npm run api:types
 *
 * A small JSON Schema → TypeScript conversion covering what @hono/zod-openapi emits: objects,
 * arrays, enums, `type: [T, 'null']`, `$ref` to components, and `allOf` with a nullable part.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../src/server/index.js';

/** The operations the dashboard calls: add one here when a page needs it, then regenerate. */
export const OPERATIONS = [
  ['post', '/api/v1/auth/login'],
  ['post', '/api/v1/auth/logout'],
  ['get', '/api/v1/auth/me'],
  ['get', '/api/v1/workspace'],
  ['get', '/api/v1/analytics/overview'],
  ['post', '/api/v1/auth/switch'],
  ['patch', '/api/v1/workspace'],
  ['post', '/api/v1/workspace/write-key'],
  ['get', '/api/v1/users'],
  ['post', '/api/v1/users'],
  ['patch', '/api/v1/users/{id}'],
  ['delete', '/api/v1/users/{id}'],
  ['get', '/api/v1/api-keys'],
  ['post', '/api/v1/api-keys'],
  ['delete', '/api/v1/api-keys/{id}'],
  ['post', '/api/v1/imports'],
  ['post', '/api/v1/imports/preview'],
  ['get', '/api/v1/imports/{id}'],
  ['get', '/api/v1/customers'],
  ['get', '/api/v1/customers/at-risk'],
  ['get', '/api/v1/subscriptions'],
  ['get', '/api/v1/customers/scores'],
  ['get', '/api/v1/customers/{id}/overview'],
  ['get', '/api/v1/customers/{id}/notes'],
  ['post', '/api/v1/customers/{id}/notes'],
  ['delete', '/api/v1/customers/{id}/notes/{noteId}'],
  ['get', '/api/v1/analytics/cohorts'],
  ['get', '/api/v1/analytics/cohorts/customers'],
  ['get', '/api/v1/analytics/mrr'],
  ['get', '/api/v1/analytics/clv'],
  ['get', '/api/v1/analytics/clv/diagnostics'],
  ['get', '/api/v1/analytics/survival'],
  ['get', '/api/v1/segments'],
  ['get', '/api/v1/loyalty/programme'],
  ['put', '/api/v1/loyalty/programme'],
  ['get', '/api/v1/loyalty/report'],
  ['get', '/api/v1/loyalty/promotions'],
  ['post', '/api/v1/loyalty/promotions'],
  ['post', '/api/v1/loyalty/promotions/{id}/coupons'],
  ['get', '/api/v1/loyalty/customers/{customerId}'],
  ['get', '/api/v1/loyalty/customers/{customerId}/entries'],
  ['post', '/api/v1/loyalty/customers/{customerId}/adjust'],
  ['get', '/api/v1/feedback/surveys'],
  ['post', '/api/v1/feedback/surveys'],
  ['get', '/api/v1/feedback/surveys/{id}'],
  ['post', '/api/v1/feedback/surveys/{id}/sends'],
  ['get', '/api/v1/feedback/responses'],
  ['get', '/api/v1/feedback/report'],
  ['post', '/api/v1/segments'],
  ['get', '/api/v1/segments/fields'],
  ['post', '/api/v1/segments/preview'],
  ['get', '/api/v1/segments/{id}'],
  ['patch', '/api/v1/segments/{id}'],
  ['delete', '/api/v1/segments/{id}'],
  ['get', '/api/v1/segments/{id}/members'],
  ['get', '/api/v1/flows'],
  ['post', '/api/v1/flows'],
  ['get', '/api/v1/flows/{id}'],
  ['patch', '/api/v1/flows/{id}'],
  ['post', '/api/v1/flows/{id}/activate'],
  ['post', '/api/v1/flows/{id}/deactivate'],
  ['post', '/api/v1/flows/{id}/steps/{stepId}/test'],
  ['get', '/api/v1/flows/{id}/report'],
  ['get', '/api/v1/email/messages'],
  ['get', '/api/v1/email/messages/{id}'],
  ['post', '/api/v1/email/preview'],
  ['get', '/api/v1/email/stats'],
  ['post', '/api/v1/email/templates/check'],
  ['post', '/api/v1/email/test'],
  ['get', '/api/v1/email/settings'],
  ['patch', '/api/v1/email/settings'],
  ['get', '/api/v1/email/suppressions'],
  ['post', '/api/v1/email/suppressions'],
  ['delete', '/api/v1/email/suppressions/{address}'],
  ['get', '/api/v1/email/consent/{customerId}'],
  ['post', '/api/v1/email/consent'],
  ['get', '/api/v1/help/settings'],
  ['get', '/api/v1/help/articles'],
  ['post', '/api/v1/help/articles'],
  ['get', '/api/v1/help/articles/{id}'],
  ['patch', '/api/v1/help/articles/{id}'],
  ['delete', '/api/v1/help/articles/{id}'],
  ['post', '/api/v1/help/preview'],
  ['get', '/api/v1/help/categories'],
  ['post', '/api/v1/help/categories'],
  ['delete', '/api/v1/help/categories/{id}'],
  ['get', '/api/v1/help/sections'],
  ['post', '/api/v1/help/sections'],
  ['delete', '/api/v1/help/sections/{id}'],
  ['get', '/api/v1/help/report'],
] as const;

export const OUTPUT = fileURLToPath(new URL('../src/api/openapi.gen.ts', import.meta.url));

interface Schema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: boolean | Schema;
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly nullable?: boolean;
}

interface Operation {
  readonly parameters?: readonly { name: string; in: string; required?: boolean; schema: Schema }[];
  readonly requestBody?: { content?: Record<string, { schema: Schema }> };
  readonly responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, Schema> };
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);
const indent = (text: string, depth: number) => text.replaceAll('\n', `\n${'  '.repeat(depth)}`);
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

/** A schema that only says "or null" (the second half of a nullable `allOf`). */
const onlyNull = (schema: Schema) =>
  Array.isArray(schema.type) && schema.type.includes('null') && !schema.properties && !schema.$ref;

/** The TypeScript type of `schema`; `$ref`s become the component's name (collected in `used`). */
function typeOf(schema: Schema, used: Set<string>): string {
  if (schema.$ref) {
    used.add(refName(schema.$ref));
    return refName(schema.$ref);
  }
  if (schema.allOf) {
    const nullable = schema.allOf.some(onlyNull);
    const parts = schema.allOf.filter((part) => !onlyNull(part)).map((part) => typeOf(part, used));
    const joined = parts.length === 1 ? parts[0]! : parts.map((part) => `(${part})`).join(' & ');
    return nullable ? `${joined} | null` : joined;
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((part) => typeOf(part, used)).join(' | ');
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 1 && types[0] === 'null') return 'null'; // the null of `S.or(z.null())`
  const nullable = types.includes('null') || schema.nullable === true;
  const base = types.filter((type) => type !== 'null');
  const rendered = base.map((type) => {
    switch (type) {
      case 'string':
        return 'string';
      case 'number':
      case 'integer':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array':
        return `${wrap(typeOf(schema.items ?? {}, used))}[]`;
      case 'object':
        return objectType(schema, used);
      default:
        return 'unknown';
    }
  });
  if (rendered.length === 0) rendered.push(schema.properties ? objectType(schema, used) : 'unknown');
  if (nullable) rendered.push('null');
  return rendered.join(' | ');
}

const wrap = (type: string) => (/[|&]/.test(type) ? `(${type})` : type);

function objectType(schema: Schema, used: Set<string>): string {
  const required = new Set(schema.required ?? []);
  const lines = Object.entries(schema.properties ?? {}).map(
    ([name, property]) =>
      `readonly ${key(name)}${required.has(name) ? '' : '?'}: ${indent(typeOf(property, used), 1)};`,
  );
  if (schema.additionalProperties && schema.additionalProperties !== true) {
    lines.push(`readonly [key: string]: ${typeOf(schema.additionalProperties, used)};`);
  } else if (schema.additionalProperties === true || lines.length === 0) {
    lines.push('readonly [key: string]: unknown;');
  }
  return `{\n  ${lines.join('\n  ')}\n}`;
}

/** The generated module for `document`. */
export function generate(document: Document): string {
  const used = new Set<string>();
  // One entry per path, with each of its methods the dashboard calls.
  const operations = new Map<string, string[]>();
  for (const [method, path] of OPERATIONS) {
    const operation = document.paths[path]?.[method];
    if (!operation) throw new Error(`The OpenAPI document has no ${method.toUpperCase()} ${path}`);
    const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
    const queryType =
      query.length === 0
        ? 'never'
        : `{\n  ${query
            .map(
              (parameter) =>
                `readonly ${key(parameter.name)}${parameter.required ? '' : '?'}: ${typeOf(parameter.schema, used)};`,
            )
            .join('\n  ')}\n}`;
    const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
    const success = Object.entries(operation.responses).find(([status]) => /^2\d\d$/.test(status));
    const responseSchema = success?.[1].content?.['application/json']?.schema;
    const methods = operations.get(path) ?? [];
    methods.push(
      `    ${method}: {\n` +
        `      query: ${indent(queryType, 3)};\n` +
        `      body: ${bodySchema ? indent(typeOf(bodySchema, used), 3) : 'never'};\n` +
        `      response: ${responseSchema ? indent(typeOf(responseSchema, used), 3) : 'null'};\n` +
        `    };`,
    );
    operations.set(path, methods);
  }
  // Components referenced by other components, until none is new.
  const components: string[] = [];
  const done = new Set<string>();
  for (let pending = [...used]; pending.length > 0; pending = [...used].filter((name) => !done.has(name))) {
    for (const name of pending.sort()) {
      done.add(name);
      const schema = document.components.schemas[name];
      if (!schema) throw new Error(`The OpenAPI document has no component ${name}`);
      components.push(`export type ${name} = ${typeOf(schema, used)};`);
    }
  }
  return `// Generated by web/scripts/api-types.ts from the server's OpenAPI document: do not edit.
// Regenerate with \`npm run api:types\` after changing a route the dashboard calls.

/** The operations the dashboard calls, by path and method: query, JSON body and success response. */
export interface Paths {
${[...operations].map(([path, methods]) => `  ${JSON.stringify(path)}: {\n${methods.join('\n')}\n  };`).join('\n')}
}

${components.sort().join('\n\n')}
`;
}

/** The OpenAPI document of the app, built in memory. */
export async function openApiDocument(): Promise<Document> {
  const app = buildApp({ db: null as never, dialect: 'sqlite', now: () => 0 }, { webRoot: false });
  return (await (await app.request('/api/openapi.json')).json()) as Document;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OUTPUT, generate(await openApiDocument()));
  process.stdout.write(`Wrote ${OUTPUT}\n`);
}
