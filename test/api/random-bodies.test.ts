/**
 * The "no 500" property (issue #4): random JSON bodies, bodies shaped like each route's schema
 * with random values, and random non-JSON bytes, sent authenticated to every write route the app
 * serves, never get a 500, and every error answer has the `{ error: { code, message } }` shape.
 *
 * Routes are discovered from the app's own OpenAPI document (every route built with `createRoute`
 * is in it), plus the tracking routes, so routes added later are covered without editing this file.
 * The public routes outside that document (survey link pages, the help centre's vote form, the
 * storefront's claim and survey answer) are listed by hand in the second block, with real targets.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/index.js';
import { signStorefrontToken } from '../../src/loyalty/index.js';
import { ensureProgramme } from '../../src/loyalty/loyalty.repository.js';
import { createReward } from '../../src/loyalty/reward.service.js';
import { buildApp } from '../../src/server/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';
import { describeEachDatabase } from '../support/databases.js';

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'] as const;
/** Segment-compatible routes, authenticated by the write key rather than an API key. */
const TRACKING_ROUTES = ['/v1/identify', '/v1/track', '/v1/batch'];
/** Runs per route and kind of body: enough to find shallow crashes, small enough for ~20 s in all. */
const RUNS_PER_ROUTE = 25;

interface WriteRoute {
  readonly method: (typeof WRITE_METHODS)[number];
  /** OpenAPI path, e.g. `/api/v1/customers/{customerId}`. */
  readonly path: string;
  /** Every property name and string constant found in the route's request schema. */
  readonly fieldNames: readonly string[];
  readonly constants: readonly string[];
}

type JsonSchema = { [key: string]: unknown };

/** Walks a schema (following `$ref`s once each) and collects property names and string constants. */
function collectSchemaVocabulary(
  schema: unknown,
  components: Record<string, JsonSchema>,
  names: Set<string>,
  constants: Set<string>,
  seenRefs: Set<string> = new Set(),
): void {
  if (Array.isArray(schema)) {
    for (const item of schema) collectSchemaVocabulary(item, components, names, constants, seenRefs);
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  const node = schema as JsonSchema;
  const ref = node.$ref;
  if (typeof ref === 'string' && !seenRefs.has(ref)) {
    seenRefs.add(ref);
    collectSchemaVocabulary(components[ref.split('/').pop() ?? ''], components, names, constants, seenRefs);
  }
  if (typeof node.const === 'string') constants.add(node.const);
  if (Array.isArray(node.enum))
    for (const value of node.enum) if (typeof value === 'string') constants.add(value);
  if (typeof node.properties === 'object' && node.properties !== null) {
    for (const name of Object.keys(node.properties)) names.add(name);
  }
  for (const value of Object.values(node))
    collectSchemaVocabulary(value, components, names, constants, seenRefs);
}

function discoverWriteRoutes(app: ReturnType<typeof buildApp>): WriteRoute[] {
  const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'routes', version: '0' } });
  const components = (document.components?.schemas ?? {}) as Record<string, JsonSchema>;
  const routes: WriteRoute[] = [];
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of WRITE_METHODS) {
      const operation = (item as Record<string, unknown>)[method];
      if (operation === undefined) continue;
      const names = new Set<string>();
      const constants = new Set<string>();
      collectSchemaVocabulary((operation as JsonSchema).requestBody, components, names, constants);
      routes.push({ method, path, fieldNames: [...names], constants: [...constants] });
      seen.add(`${method} ${path}`);
    }
  }
  for (const path of TRACKING_ROUTES) {
    if (!seen.has(`post ${path}`)) routes.push({ method: 'post', path, fieldNames: [], constants: [] });
  }
  return routes;
}

/** A JSON value built from the route's vocabulary: objects keyed by its field names, nested. */
function shapedBody(route: WriteRoute): fc.Arbitrary<unknown> {
  const names = route.fieldNames.length > 0 ? route.fieldNames : ['id', 'name'];
  const scalar = fc.oneof(
    fc.constantFrom(...(route.constants.length > 0 ? route.constants : ['x'])),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom('', '-1', '1e309', '2024-02-30', 'a'.repeat(300), '__proto__', '../../etc/passwd'),
  );
  const { value } = fc.letrec<{ value: unknown; object: Record<string, unknown> }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      tie('object'),
      fc.array(tie('value'), { maxLength: 4 }),
    ),
    object: fc.dictionary(fc.constantFrom(...names), tie('value'), { maxKeys: names.length + 1 }),
  }));
  return value;
}

describeEachDatabase('every write route answers random bodies without a 500', (getDb) => {
  it('never answers 500, and every error has the { error: { code, message } } shape', async () => {
    const { db, dialect } = getDb();
    const app = buildApp({ db, dialect, now: () => Date.now() });
    const slug = `fuzz-${randomBytes(6).toString('hex')}`;
    const { workspace, writeKey } = await createWorkspace(db, { name: slug, slug });
    const newApiKey = async () =>
      (
        await createApiKey(db, {
          workspaceId: workspace.id,
          name: 'fuzz',
          role: 'owner',
          grantedBy: null,
          actor: { type: 'system' },
          now: Date.now(),
        })
      ).key;

    const routes = discoverWriteRoutes(app);
    expect(routes.map((route) => route.path)).toEqual(expect.arrayContaining(TRACKING_ROUTES));

    for (const route of routes) {
      // A fresh key per route: a route may revoke the key it is called with.
      const authorization = route.path.startsWith('/v1/')
        ? `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
        : `Bearer ${await newApiKey()}`;
      const send = async (body: string | Uint8Array, contentType: string) => {
        const path = route.path.replace(/\{[^}]+\}/g, () => randomUUID());
        const response = await app.request(path, {
          method: route.method.toUpperCase(),
          headers: { Authorization: authorization, 'Content-Type': contentType },
          body,
        });
        const text = await response.text();
        const context = `${route.method.toUpperCase()} ${route.path} → ${response.status} ${text.slice(0, 300)}`;
        expect(response.status, context).not.toBe(500);
        if (response.status >= 400) {
          const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          expect(typeof parsed.error?.code, context).toBe('string');
          expect(typeof parsed.error?.message, context).toBe('string');
        }
      };

      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), (value) => send(JSON.stringify(value), 'application/json')),
        { numRuns: RUNS_PER_ROUTE },
      );
      await fc.assert(
        fc.asyncProperty(shapedBody(route), (value) => send(JSON.stringify(value), 'application/json')),
        { numRuns: RUNS_PER_ROUTE * 2 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 200 }),
          fc.constantFrom(
            'application/json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data',
          ),
          (bytes, contentType) => send(bytes, contentType),
        ),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
  }, 60_000);
});

/**
 * The public write routes outside the OpenAPI document (they answer forms, HTML or a signed
 * token), each with a real target so the body is what decides: a survey link's page, a help-centre
 * article's vote form, the storefront's reward claim and survey answer. An HTML answer (the survey
 * page showing its form again) is fine; a JSON error has the usual shape.
 */
describeEachDatabase('the public form and storefront routes answer random bodies without a 500', (getDb) => {
  it('never answers 500 to random JSON, shaped answers, or random bytes of any form type', async () => {
    const { db, dialect } = getDb();
    const now = Date.now();
    const app = buildApp(
      { db, dialect, now: () => now },
      { rateLimit: false, surveyRateLimit: false, helpPostRateLimit: false },
    );
    const slug = `fuzz-${randomBytes(6).toString('hex')}`;
    const { workspace } = await createWorkspace(db, { name: slug, slug });
    const { key } = await createApiKey(db, {
      workspaceId: workspace.id,
      name: 'fuzz',
      role: 'owner',
      grantedBy: null,
      actor: { type: 'system' },
      now,
    });
    const api = async (path: string, body: unknown) => {
      const response = await app.request(path, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const parsed = (await response.json()) as Record<string, unknown> & { id: string; url: string };
      expect(response.status, JSON.stringify(parsed)).toBeLessThan(300);
      return parsed;
    };
    const customer = await db
      .insertInto('customer')
      .values({
        workspace_id: workspace.id,
        external_id: 'ann',
        email: 'ann@example.com',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const csat = await api('/api/v1/feedback/surveys', { name: 'CSAT', kind: 'csat', reasons: ['Late'] });
    const form = await api('/api/v1/feedback/surveys', {
      name: 'Form',
      kind: 'form',
      questions: [
        { id: 'q1', type: 'text', label: 'Anything else?' },
        { id: 'q2', type: 'rating', label: 'How likely?' },
        { id: 'q3', type: 'multiple_choice', label: 'Which?', options: ['a', 'b'] },
      ],
    });
    const linkOf = async (surveyId: string) =>
      new URL(
        (await api(`/api/v1/feedback/surveys/${surveyId}/sends`, { customerId: String(customer.id) })).url,
      ).pathname;
    const article = await api('/api/v1/help/articles', {
      title: 'Refund policy',
      body: 'Refunds within 30 days.',
      locale: 'en',
      status: 'published',
    });
    const { storefrontSecret } = await ensureProgramme(db, workspace.id, now);
    const reward = await createReward(
      db,
      workspace.id,
      { name: 'Ship', kind: 'free_shipping', costPoints: 1 },
      now,
    );
    const storefront = `Bearer ${signStorefrontToken(storefrontSecret, {
      workspaceId: workspace.id,
      externalId: 'ann',
      expiresAt: Math.floor(now / 1000) + 600,
    })}`;

    const targets: { path: string; headers: Record<string, string>; names: string[] }[] = [
      { path: await linkOf(csat.id), headers: {}, names: ['rating', 'comment', 'reason', 'answers'] },
      { path: await linkOf(form.id), headers: {}, names: ['answers', 'q1', 'q2', 'q3', 'comment'] },
      {
        path: `/help/${slug}/en/articles/${article.id}/feedback`,
        headers: { 'Sec-Fetch-Site': 'same-origin' },
        names: ['helpful', 'token'],
      },
      { path: `/help/${slug}/deflections`, headers: {}, names: ['articleId', 'source', 'query'] },
      {
        path: `/storefront/v1/loyalty/rewards/${reward.id}/claim`,
        headers: { Authorization: storefront },
        names: ['idempotencyKey'],
      },
      {
        path: `/storefront/v1/surveys/${form.id}/answer`,
        headers: { Authorization: storefront },
        names: ['rating', 'comment', 'reason', 'answers', 'q1', 'q2', 'q3'],
      },
    ];
    for (const target of targets) {
      const send = async (body: string | Uint8Array, contentType: string) => {
        const response = await app.request(target.path, {
          method: 'POST',
          headers: { ...target.headers, 'Content-Type': contentType },
          body,
        });
        const text = await response.text();
        const context = `POST ${target.path} (${contentType}) → ${response.status} ${text.slice(0, 300)}`;
        expect(response.status, context).not.toBe(500);
        if (response.status >= 400 && response.headers.get('Content-Type')?.startsWith('application/json')) {
          const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          expect(typeof parsed.error?.code, context).toBe('string');
          expect(typeof parsed.error?.message, context).toBe('string');
        }
      };
      const route: WriteRoute = {
        method: 'post',
        path: target.path,
        fieldNames: target.names,
        constants: ['a', 'yes', 'Late'],
      };
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), (value) => send(JSON.stringify(value), 'application/json')),
        { numRuns: RUNS_PER_ROUTE },
      );
      await fc.assert(
        fc.asyncProperty(shapedBody(route), (value) => send(JSON.stringify(value), 'application/json')),
        { numRuns: RUNS_PER_ROUTE * 2 },
      );
      // Forms as a browser sends them, with hostile values (a NUL, a lone surrogate) among the rest.
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(
              fc.constantFrom(...target.names, ...target.names.map((name) => `a.${name}`)),
              fc.oneof(fc.string(), fc.constantFrom('\u0000', 'a\uD800', '3', '-1', '1e308', 'yes')),
            ),
            { maxLength: 6 },
          ),
          (fields) => send(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded'),
        ),
        { numRuns: RUNS_PER_ROUTE },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 200 }),
          fc.constantFrom(
            'application/json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data',
            'multipart/form-data; boundary=x',
          ),
          (bytes, contentType) => send(bytes, contentType),
        ),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
  }, 60_000);
});
