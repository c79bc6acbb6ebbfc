/**
 * Zod schemas of the flows API: request bodies and query parameters, and the documented answers
 * (they feed `/api/openapi.json`). Instants are ISO 8601 strings, ids decimal strings. The
 * definition's parts (trigger, steps, re-entry, exit conditions) are checked by flow-definition.ts,
 * each problem named by its path, so their schemas here are objects described in docs/api.md.
 */
import { z } from '@hono/zod-openapi';
import type { Uplift, UpliftEstimate } from '../core/index.js';
import type { Flow, FlowRun } from './flow.repository.js';
import { type FlowReport, MAX_RUNS_PAGE } from './flow.service.js';
import {
  DEFAULT_HOLDOUT_PERCENT,
  DEFAULT_HORIZON_DAYS,
  MAX_FLOW_NAME_LENGTH,
  MAX_FLOW_STEPS,
  MAX_HOLDOUT_PERCENT,
  MAX_HORIZON_DAYS,
} from './flow-definition.js';

const EXAMPLE_STEPS = [
  { type: 'wait', duration: { days: 1 } },
  {
    type: 'branch',
    rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] },
    yes: [{ type: 'send_email', subject: 'Thanks, {{ customer.name }}', html: '<p>…</p>' }],
    no: [{ type: 'send_email', subject: 'Your first order', html: '<p>…</p>' }],
  },
];

const TriggerBody = z.record(z.string(), z.unknown()).openapi('FlowTrigger', {
  description:
    'What enters a customer: `{ "type": "event", "event": "Signed Up" }`, `{ "type": "segment_entered" | "segment_exited", "segmentId" }`, `{ "type": "days_since_last_order", "days": N }`, `{ "type": "signup_anniversary" }`, `{ "type": "schedule", "segmentId", "at": ISO instant }`, `{ "type": "survey_answered", "surveyId"?, "negativeOnly"? (default true: CSAT not satisfied, NPS 0–6) }` (docs/api.md, "Flows").',
  example: { type: 'event', event: 'Signed Up' },
});

const StepBody = z.record(z.string(), z.unknown()).openapi('FlowStep', {
  description:
    'A step: `wait` (`duration` { days, hours, minutes } or `untilTimeOfDay` "HH:MM" in the customer’s zone), `branch` (`rule` in the segments’ language, `yes` and `no` step lists), `send_email` (`subject`, `html`: Liquid; `category`), `update_attribute` (`key`, `value`), `send_survey` (`surveyId`: a survey of the workspace; `category`, default `marketing`), `exit`. Each may carry an `id` (1–40 of A–Z a–z 0–9 _ -); others get `s1`, `s2`, … in reading order.',
});

const definitionFields = {
  trigger: TriggerBody,
  steps: z
    .array(StepBody)
    .max(MAX_FLOW_STEPS)
    .openapi({
      description: `At most ${MAX_FLOW_STEPS} steps counting those in branches; branches nest 5 deep.`,
      example: EXAMPLE_STEPS,
    }),
  holdoutPercent: z
    .number()
    .min(0)
    .max(MAX_HOLDOUT_PERCENT)
    .openapi({
      description: `Share of entrants held out (0–${MAX_HOLDOUT_PERCENT}, two decimals; default ${DEFAULT_HOLDOUT_PERCENT}).`,
    }),
  reentry: z
    .record(z.string(), z.unknown())
    .openapi({ description: '`{ "type": "once" }` (default) or `{ "type": "every", "days": N }`.' }),
  exitWhen: z.record(z.string(), z.unknown()).openapi({
    description: 'Ends a run early: `{ "placedOrder": true, "event": "…", "rule": {…} }` (any that holds).',
  }),
  horizonDays: z
    .number()
    .int()
    .min(1)
    .max(MAX_HORIZON_DAYS)
    .openapi({
      description: `Days after entering that converted, retention and revenue are measured over (default ${DEFAULT_HORIZON_DAYS}).`,
    }),
};

const name = z
  .string()
  .min(1)
  .max(MAX_FLOW_NAME_LENGTH)
  .openapi({
    description: `1–${MAX_FLOW_NAME_LENGTH} characters, unique in the workspace.`,
    example: 'Welcome series',
  });

export const CreateFlowBody = z
  .object({
    name,
    trigger: definitionFields.trigger,
    steps: definitionFields.steps,
    holdoutPercent: definitionFields.holdoutPercent.optional(),
    reentry: definitionFields.reentry.optional(),
    exitWhen: definitionFields.exitWhen.optional(),
    horizonDays: definitionFields.horizonDays.optional(),
  })
  .strict();

export const UpdateFlowBody = z
  .object({
    name: name.optional(),
    trigger: definitionFields.trigger.optional(),
    steps: definitionFields.steps.optional(),
    holdoutPercent: definitionFields.holdoutPercent.optional(),
    reentry: definitionFields.reentry.optional(),
    exitWhen: definitionFields.exitWhen.nullable().optional(),
    horizonDays: definitionFields.horizonDays.optional(),
  })
  .strict()
  .openapi({
    description:
      'Drafts only. The fields given replace the draft’s; `exitWhen: null` removes the exit conditions.',
  });

export const FlowIdParams = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The flow id.', example: '3' }),
});

export const FlowStepParams = FlowIdParams.extend({
  stepId: z
    .string()
    .max(100)
    .openapi({
      param: { name: 'stepId', in: 'path' },
      description: 'A send_email step’s id.',
      example: 's2',
    }),
});

export const StepTestBody = z
  .object({
    customerId: z
      .string()
      .max(40)
      .openapi({ description: 'Render the step’s template as this customer.', example: '42' }),
    to: z
      .email()
      .max(320)
      .openapi({ description: 'Where the test goes (your own address).', example: 'me@example.com' }),
  })
  .strict()
  .openapi('FlowStepTestBody');

export const StepTestOutcomeSchema = z
  .object({
    status: z.enum(['queued', 'duplicate', 'skipped']),
    messageId: z.string().openapi({ description: 'The e-mail message (see `/api/v1/email/messages/{id}`).' }),
    reason: z.string().optional().openapi({ description: 'Why it was skipped (`suppressed`: the address).' }),
  })
  .openapi('FlowStepTestOutcome');

export const RunsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RUNS_PAGE)
    .optional()
    .openapi({ description: `Page size, 1–${MAX_RUNS_PAGE} (default 50).` }),
  cursor: z.string().max(40).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
  status: z
    .enum(['active', 'completed', 'exited'])
    .optional()
    .openapi({ description: 'Only runs in this state.' }),
});

const instant = z.string().openapi({ format: 'date-time', example: '2025-06-15T12:00:00.000Z' });
const iso = (value: number) => new Date(value).toISOString();

export const FlowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['draft', 'active', 'inactive']).openapi({
      description:
        '`draft` (editable, not running) → `active` (entering and running) ⇄ `inactive` (stopped; runs in progress ended).',
    }),
    trigger: TriggerBody,
    steps: z.array(StepBody).openapi({ description: 'The steps, every one with its `id`.' }),
    holdoutPercent: z.number(),
    reentry: z.record(z.string(), z.unknown()),
    exitWhen: z.record(z.string(), z.unknown()).nullable(),
    horizonDays: z.number().int(),
    version: z.number().int().openapi({ description: 'Bumped by every change of a draft’s definition.' }),
    activatedAt: instant.nullable(),
    deactivatedAt: instant.nullable(),
    createdAt: instant,
    updatedAt: instant,
  })
  .openapi('Flow');

export function toFlowBody(flow: Flow): z.infer<typeof FlowSchema> {
  const definition = flow.definition;
  return {
    id: String(flow.id),
    name: flow.name,
    status: flow.status,
    trigger: definition.trigger as Record<string, unknown>,
    steps: definition.steps as unknown as Record<string, unknown>[],
    holdoutPercent: definition.holdoutPercent,
    reentry: definition.reentry as Record<string, unknown>,
    exitWhen: definition.exitWhen as Record<string, unknown> | null,
    horizonDays: definition.horizonDays,
    version: flow.version,
    activatedAt: flow.activatedAt === null ? null : iso(flow.activatedAt),
    deactivatedAt: flow.deactivatedAt === null ? null : iso(flow.deactivatedAt),
    createdAt: iso(flow.createdAt),
    updatedAt: iso(flow.updatedAt),
  };
}

export const FlowListSchema = z.object({ items: z.array(FlowSchema) }).openapi('FlowList');

export const RunSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    arm: z.enum(['treatment', 'holdout']),
    status: z.enum(['active', 'completed', 'exited']),
    currentStep: z.string().nullable().openapi({
      description: 'The step it runs next (`$end`: it finishes when it wakes); null once finished.',
    }),
    wakeAt: instant.nullable().openapi({ description: 'When it runs next; null once finished.' }),
    enteredAt: instant,
    finishedAt: instant.nullable(),
    exitReason: z
      .string()
      .nullable()
      .openapi({ description: '`holdout`, `exit_condition`, `exit_step`, `flow_deactivated`, or null.' }),
  })
  .openapi('FlowRun');

export function toRunBody(run: FlowRun): z.infer<typeof RunSchema> {
  return {
    id: String(run.id),
    customerId: String(run.customerId),
    arm: run.arm,
    status: run.status,
    currentStep: run.currentStep,
    wakeAt: run.wakeAt === null ? null : iso(run.wakeAt),
    enteredAt: iso(run.enteredAt),
    finishedAt: run.finishedAt === null ? null : iso(run.finishedAt),
    exitReason: run.exitReason,
  };
}

export const RunsPageSchema = z
  .object({
    items: z.array(RunSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  })
  .openapi('FlowRunPage');

const EstimateSchema = z.object({
  difference: z
    .number()
    .nullable()
    .openapi({ description: 'Treatment − holdout; null below the minimum per arm.' }),
  low: z.number().nullable().openapi({ description: 'Lower end of the 95 % interval.' }),
  high: z.number().nullable().openapi({ description: 'Upper end of the 95 % interval.' }),
  treatment: z
    .number()
    .nullable()
    .openapi({ description: 'The treatment arm’s own figure (null: nobody measured).' }),
  holdout: z.number().nullable().openapi({ description: 'The holdout arm’s own figure.' }),
  reason: z.enum(['not_enough_data']).nullable(),
});

export const ReportSchema = z
  .object({
    entered: z.number().int().openapi({ description: 'Entries (runs started), both arms.' }),
    holdout: z.number().int().openapi({ description: 'Entries held out (they run no step).' }),
    treatment: z.number().int(),
    active: z.number().int().openapi({ description: 'Treatment runs still going.' }),
    completed: z.number().int(),
    exited: z
      .number()
      .int()
      .openapi({ description: 'Treatment runs ended early (exit condition or step, deactivation).' }),
    sent: z.number().int(),
    delivered: z.number().int(),
    bounced: z.number().int(),
    opened: z.number().int(),
    clicked: z.number().int(),
    unsubscribed: z.number().int(),
    skipped: z.number().int().openapi({
      description: 'E-mails not sent (no consent, suppressed, no address, frequency cap, erased).',
    }),
    converted: z.number().int().openapi({
      description: 'Customers with a completed order within the horizon after entering (docs/metrics.md §9).',
    }),
    convertedByArm: z.object({ treatment: z.number().int(), holdout: z.number().int() }),
    horizonDays: z.number().int(),
    uplift: z.object({
      retention: EstimateSchema.openapi({
        description:
          'Share retained (an order within the horizon), treatment − holdout, Newcombe–Wilson 95 % interval.',
      }),
      revenuePerCustomerCents: EstimateSchema.openapi({
        description:
          'Revenue per customer within the horizon (cents), treatment − holdout, Welch 95 % interval.',
      }),
      measured: z.object({ treatment: z.number().int(), holdout: z.number().int() }).openapi({
        description: 'Customers whose horizon has passed, per arm (each counted once, at their first entry).',
      }),
      minimumPerArm: z.number().int(),
    }),
    asOf: instant,
  })
  .openapi('FlowReport');

function toEstimate(estimate: UpliftEstimate): z.infer<typeof EstimateSchema> {
  return {
    difference: estimate.difference,
    low: estimate.low,
    high: estimate.high,
    treatment: estimate.treatment,
    holdout: estimate.holdout,
    reason: estimate.reason,
  };
}

export function toReportBody(report: FlowReport): z.infer<typeof ReportSchema> {
  const uplift: Uplift = report.uplift;
  return {
    entered: report.entered,
    holdout: report.holdout,
    treatment: report.treatment,
    active: report.active,
    completed: report.completed,
    exited: report.exited,
    sent: report.sent,
    delivered: report.delivered,
    bounced: report.bounced,
    opened: report.opened,
    clicked: report.clicked,
    unsubscribed: report.unsubscribed,
    skipped: report.skipped,
    converted: report.converted,
    convertedByArm: report.convertedByArm,
    horizonDays: report.horizonDays,
    uplift: {
      retention: toEstimate(uplift.retention),
      revenuePerCustomerCents: toEstimate(uplift.revenuePerCustomer),
      measured: uplift.measured,
      minimumPerArm: uplift.minimumPerArm,
    },
    asOf: iso(report.asOf),
  };
}
