/**
 * `/api/v1/flows`: thin HTTP over the flow service. Owners, admins and marketers create, change,
 * activate and deactivate flows and send a step's test e-mail (they send e-mail); analysts read them, their runs and reports;
 * agents do neither. Every query is scoped to the caller's workspace: another workspace's flow
 * answers 404.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { actorOf } from '../auth/index.js';
import { type Database, parseRowId } from '../db/index.js';
import { notFound } from '../errors/index.js';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import {
  CreateFlowBody,
  FlowIdParams,
  FlowListSchema,
  FlowSchema,
  FlowStepParams,
  ReportSchema,
  RunsPageSchema,
  RunsQuery,
  StepTestBody,
  StepTestOutcomeSchema,
  toFlowBody,
  toReportBody,
  toRunBody,
  UpdateFlowBody,
} from './flow.schemas.js';
import {
  activateFlow,
  createFlow,
  deactivateFlow,
  getFlow,
  getFlowReport,
  listFlowRuns,
  listWorkspaceFlows,
  type StepTestEmail,
  sendStepTestEmail,
  type TemplateCheck,
  updateFlow,
} from './flow.service.js';
import type { FlowEffects, FlowEmailOutcome } from './flow-effects.js';
import { productionFlowEffects, productionStepTestSend, productionTemplateCheck } from './flow-production.js';

const TAGS = ['Flows'];
const readers = () => requireRole('marketer', 'analyst');
const writers = () => requireRole('marketer');
const NOT_READER = 'The caller is an agent (flows are for owners, admins, marketers and analysts)';
const NOT_WRITER = 'The caller is an analyst or an agent (only owners, admins and marketers change flows)';
const NO_FLOW = 'No such flow in the caller’s workspace.';
const BAD_FLOW =
  'The body is not valid: `error.issues[].path` names each bad part (e.g. `steps[2].yes[0].subject`): an unknown trigger or step type, a missing or bad field, an unknown segment, a template that does not compile (line and column in the message), too many steps (100) or branches nested too deep (5).';

const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const listRoute = createRoute({
  method: 'get',
  path: '/flows',
  operationId: 'listFlows',
  tags: TAGS,
  summary: 'List the workspace’s flows (oldest first)',
  middleware: [readers()] as const,
  responses: { 200: json(FlowListSchema, 'The flows'), ...authenticatedErrors({ 403: `${NOT_READER}.` }) },
});

const createFlowRoute = createRoute({
  method: 'post',
  path: '/flows',
  operationId: 'createFlow',
  tags: TAGS,
  summary: 'Create a flow as a draft (audited); activate it to start',
  description: 'A name the workspace already uses, or a workspace at 500 flows: 409 `conflict`.',
  middleware: [writers()] as const,
  request: body(CreateFlowBody),
  responses: {
    201: json(FlowSchema, 'The flow, a draft, every step with its id'),
    ...authenticatedErrors({ 400: BAD_FLOW, 403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`, ...JSON_BODY_ERRORS }),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/flows/{id}',
  operationId: 'getFlow',
  tags: TAGS,
  summary: 'A flow with its definition',
  middleware: [readers()] as const,
  request: { params: FlowIdParams },
  responses: {
    200: json(FlowSchema, 'The flow'),
    ...authenticatedErrors({ 403: `${NOT_READER}.`, 404: NO_FLOW }),
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/flows/{id}',
  operationId: 'updateFlow',
  tags: TAGS,
  summary: 'Change a draft (audited); an active or inactive flow is not changed (409): create a new one',
  middleware: [writers()] as const,
  request: { params: FlowIdParams, ...body(UpdateFlowBody) },
  responses: {
    200: json(FlowSchema, 'The draft'),
    ...authenticatedErrors({
      400: BAD_FLOW,
      403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`,
      404: NO_FLOW,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const activateRoute = createRoute({
  method: 'post',
  path: '/flows/{id}/activate',
  operationId: 'activateFlow',
  tags: TAGS,
  summary: 'Activate a flow (audited): its trigger enters customers from now on',
  description: 'An active flow is answered as it is. A flow whose trigger segment was deleted: 409.',
  middleware: [writers()] as const,
  request: { params: FlowIdParams },
  responses: {
    200: json(FlowSchema, 'The flow, active'),
    ...authenticatedErrors({ 403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`, 404: NO_FLOW }),
  },
});

const deactivateRoute = createRoute({
  method: 'post',
  path: '/flows/{id}/deactivate',
  operationId: 'deactivateFlow',
  tags: TAGS,
  summary: 'Deactivate a flow (audited): no new entries, runs in progress end',
  description: 'An inactive flow is answered as it is; a draft (never active): 409.',
  middleware: [writers()] as const,
  request: { params: FlowIdParams },
  responses: {
    200: json(FlowSchema, 'The flow, inactive'),
    ...authenticatedErrors({ 403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`, 404: NO_FLOW }),
  },
});

const runsRoute = createRoute({
  method: 'get',
  path: '/flows/{id}/runs',
  operationId: 'listFlowRuns',
  tags: TAGS,
  summary: 'A page of a flow’s runs, newest first',
  middleware: [readers()] as const,
  request: { params: FlowIdParams, query: RunsQuery },
  responses: {
    200: json(RunsPageSchema, 'A page of runs'),
    ...authenticatedErrors({ 403: `${NOT_READER}.`, 404: NO_FLOW }),
  },
});

const reportRoute = createRoute({
  method: 'get',
  path: '/flows/{id}/report',
  operationId: 'getFlowReport',
  tags: TAGS,
  summary:
    'A flow’s report: entries, e-mails, converted, and the uplift over the holdout with 95 % intervals',
  description:
    'Uplift (docs/metrics.md §9): retention (an order within the horizon after entering), treatment − holdout, Newcombe–Wilson interval; revenue per customer, Welch interval; over customers whose horizon has passed, each counted once. Below 30 such customers in an arm: null values and `reason: "not_enough_data"`.',
  middleware: [readers()] as const,
  request: { params: FlowIdParams },
  responses: {
    200: json(ReportSchema, 'The report'),
    ...authenticatedErrors({ 403: `${NOT_READER}.`, 404: NO_FLOW }),
  },
});

const testStepRoute = createRoute({
  method: 'post',
  path: '/flows/{id}/steps/{stepId}/test',
  operationId: 'sendFlowStepTest',
  tags: TAGS,
  summary: 'Send a test of a send_email step: its template rendered as a customer, to your address',
  description:
    'Queued through e-mail like any message (sent by SMTP, or kept in the outbox without one), marked as a test: origin `test`, subject prefixed "[Test] ", transactional (no consent or frequency cap; a suppressed address is still skipped). Never counted in the flow’s report. Any status of flow (a draft too: save it first).',
  middleware: [writers()] as const,
  request: { params: FlowStepParams, ...body(StepTestBody) },
  responses: {
    202: json(StepTestOutcomeSchema, 'Queued (or skipped: the address is suppressed)'),
    ...authenticatedErrors({
      400: 'The body is not valid (`to` not an address), the customer is unknown (`customerId`), the step sends no e-mail (`stepId`), or its template does not render.',
      403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`,
      404: 'No such flow in the caller’s workspace, or no such step in it.',
      ...JSON_BODY_ERRORS,
    }),
  },
});

/** The id of a path parameter; text that is no id is answered as an unknown flow. */
function idOf(text: string): number {
  const id = parseRowId(text);
  if (id === undefined) throw notFound('Flow');
  return id;
}

export interface FlowRoutesOptions {
  /** E-mail for the report's counts (default: production's). */
  readonly effects?: Pick<FlowEffects, 'emailCounts'>;
  /** The template check at save time (default: e-mail's `checkTemplate`). */
  readonly checkTemplate?: TemplateCheck;
  /** How a step's test e-mail is queued (default: e-mail's `queueEmail`). */
  readonly sendTest?: (db: Kysely<Database>, email: StepTestEmail, now: number) => Promise<FlowEmailOutcome>;
}

/** The flow routes; mount under `/api/v1`. */
export function flowRoutes(options: FlowRoutesOptions = {}) {
  const router = createRouter();
  const effects = options.effects ?? productionFlowEffects;
  const checkTemplate = options.checkTemplate ?? productionTemplateCheck;
  const sendTest = options.sendTest ?? productionStepTestSend;

  router.openapi(listRoute, async (c) => {
    const flows = await listWorkspaceFlows(c.get('services').db, c.get('auth').workspaceId);
    return c.json({ items: flows.map(toFlowBody) }, 200);
  });

  router.openapi(createFlowRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const { name, ...definition } = c.req.valid('json');
    const flow = await createFlow(db, {
      workspaceId: auth.workspaceId,
      name,
      definition,
      createdBy: auth.userId,
      actor: actorOf(auth),
      now: now(),
      checkTemplate,
    });
    return c.json(toFlowBody(flow), 201);
  });

  router.openapi(getRoute, async (c) => {
    const flow = await getFlow(
      c.get('services').db,
      c.get('auth').workspaceId,
      idOf(c.req.valid('param').id),
    );
    return c.json(toFlowBody(flow), 200);
  });

  router.openapi(updateRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const id = idOf(c.req.valid('param').id);
    const { name, ...changes } = c.req.valid('json');
    let definition: Record<string, unknown> | undefined;
    if (Object.keys(changes).length > 0) {
      const current = await getFlow(db, auth.workspaceId, id);
      const merged: Record<string, unknown> = { ...current.definition, ...changes };
      if (merged.exitWhen === null) delete merged.exitWhen;
      definition = merged;
    }
    const flow = await updateFlow(db, {
      workspaceId: auth.workspaceId,
      id,
      ...(name === undefined ? {} : { name }),
      ...(definition === undefined ? {} : { definition }),
      actor: actorOf(auth),
      now: now(),
      checkTemplate,
    });
    return c.json(toFlowBody(flow), 200);
  });

  router.openapi(testStepRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const params = c.req.valid('param');
    const input = c.req.valid('json');
    const outcome = await sendStepTestEmail(db, {
      workspaceId: auth.workspaceId,
      flowId: idOf(params.id),
      stepId: params.stepId,
      customerId: parseRowId(input.customerId),
      to: input.to,
      requestedBy: auth.userId === null ? `api_key:${auth.apiKeyId}` : `user:${auth.userId}`,
      now: now(),
      send: sendTest,
    });
    return c.json(outcome, 202);
  });

  router.openapi(activateRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const flow = await activateFlow(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toFlowBody(flow), 200);
  });

  router.openapi(deactivateRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const flow = await deactivateFlow(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toFlowBody(flow), 200);
  });

  router.openapi(runsRoute, async (c) => {
    const query = c.req.valid('query');
    const page = await listFlowRuns(
      c.get('services').db,
      c.get('auth').workspaceId,
      idOf(c.req.valid('param').id),
      {
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.status === undefined ? {} : { status: query.status }),
      },
    );
    return c.json({ items: page.items.map(toRunBody), nextCursor: page.nextCursor }, 200);
  });

  router.openapi(reportRoute, async (c) => {
    const { db, now } = c.get('services');
    const report = await getFlowReport(
      db,
      c.get('auth').workspaceId,
      idOf(c.req.valid('param').id),
      now(),
      effects,
    );
    return c.json(toReportBody(report), 200);
  });

  return router;
}
