/**
 * Zod schemas of the segments API: request bodies and query parameters, and the documented answers
 * (they feed `/api/openapi.json`). Instants are ISO 8601 strings, ids decimal strings. The rule
 * itself is checked by segment-rule.ts (each problem named by its path), so its schema here is an
 * object with the language described in docs/api.md.
 */
import { z } from '@hono/zod-openapi';
import type { Role } from '../auth/roles.js';
import type { MatchingCustomer, Segment, SegmentMember } from './segment.repository.js';
import { MAX_MEMBERS_PAGE, MAX_PREVIEW_SAMPLE, MAX_SEGMENT_NAME_LENGTH } from './segment.service.js';
import { type FieldDefinition, listFields, OPERATORS } from './segment-fields.js';
import type { RecomputeOutcome } from './segment-recompute.js';

const EXAMPLE_RULE = {
  all: [
    { field: 'at_risk_score', op: '>=', value: 70 },
    { field: 'predicted_clv_cents', op: '>', value: 20_000 },
    { field: 'consent_email_marketing', op: '=', value: true },
    {
      any: [
        { field: 'country', op: 'in', value: ['FR', 'BE'] },
        { field: 'language', op: 'starts_with', value: 'fr' },
      ],
    },
  ],
};

export const RuleSchema = z.record(z.string(), z.unknown()).openapi('SegmentRule', {
  description:
    'A rule tree: groups `{ "all": [...] }`, `{ "any": [...] }`, `{ "not": node }` and conditions `{ "field", "op", "value", "window"?, "event"? }` (docs/api.md, "The rule language"; `GET /api/v1/segments/fields` lists every field with its operators). At most 8 nested groups and 200 conditions.',
  example: EXAMPLE_RULE,
});

const name = z
  .string()
  .min(1)
  .max(MAX_SEGMENT_NAME_LENGTH)
  .openapi({
    description: `1–${MAX_SEGMENT_NAME_LENGTH} characters, unique in the workspace.`,
    example: 'Win back: at-risk, high value',
  });

export const CreateSegmentBody = z.object({ name, rule: RuleSchema }).strict();

export const UpdateSegmentBody = z
  .object({ name: name.optional(), rule: RuleSchema.optional() })
  .strict()
  .openapi({ description: 'What to change: `name`, `rule` or both (neither: the segment as it is).' });

export const PreviewBody = z
  .object({
    rule: RuleSchema,
    sampleSize: z
      .number()
      .int()
      .min(0)
      .max(MAX_PREVIEW_SAMPLE)
      .optional()
      .openapi({ description: `Customers in \`sample\`, 0–${MAX_PREVIEW_SAMPLE} (default 10).` }),
  })
  .strict();

export const SegmentIdParams = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The segment id.', example: '12' }),
});

export const MembersQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_MEMBERS_PAGE)
    .optional()
    .openapi({ description: `Page size, 1–${MAX_MEMBERS_PAGE} (default 100).` }),
  cursor: z.string().max(40).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
});

const instant = z.string().openapi({ format: 'date-time', example: '2025-06-15T12:00:00.000Z' });
const iso = (value: number) => new Date(value).toISOString();

export const SegmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    rule: RuleSchema,
    memberCount: z.number().int().openapi({ description: 'Members now (as of the latest recompute step).' }),
    status: z.enum(['ready', 'pending']).openapi({
      description:
        '`ready`: the membership was computed for the current rule; `pending`: not yet (a recompute is under way or failed and will be retried).',
    }),
    computedAt: instant.nullable().openapi({
      description: 'When the membership last changed, or was first computed for the current rule.',
    }),
    createdAt: instant,
    updatedAt: instant,
    recompute: z
      .object({ entered: z.number().int(), exited: z.number().int() })
      .optional()
      .openapi({ description: 'Create and rule changes: what computing the rule just did.' }),
  })
  .openapi('Segment');

export function toSegmentBody(segment: Segment, recompute?: RecomputeOutcome): z.infer<typeof SegmentSchema> {
  return {
    id: String(segment.id),
    name: segment.name,
    rule: segment.rule as Record<string, unknown>,
    memberCount: segment.memberCount,
    status: segment.computedVersion === segment.version ? 'ready' : 'pending',
    computedAt: segment.computedAt === null ? null : iso(segment.computedAt),
    createdAt: iso(segment.createdAt),
    updatedAt: iso(segment.updatedAt),
    ...(recompute === undefined
      ? {}
      : { recompute: { entered: recompute.entered, exited: recompute.exited } }),
  };
}

export const SegmentListSchema = z.object({ items: z.array(SegmentSchema) }).openapi('SegmentList');

/**
 * Who sees personal data (e-mail, name) in member lists, previews and exports: owners, admins and
 * marketers, who run campaigns; analysts get the lists pseudonymous (as the customer export).
 */
export function seesPersonalData(role: Role): boolean {
  return role === 'owner' || role === 'admin' || role === 'marketer';
}

const personal = {
  email: z.string().nullable().optional().openapi({ description: 'Owners, admins and marketers only.' }),
  name: z.string().nullable().optional().openapi({ description: 'Owners, admins and marketers only.' }),
};

export const MemberSchema = z
  .object({
    customerId: z.string(),
    externalId: z.string().nullable(),
    ...personal,
    country: z.string().nullable(),
    enteredAt: instant.openapi({ description: 'When the customer entered the segment (this time).' }),
  })
  .openapi('SegmentMember');

export const MembersPageSchema = z
  .object({
    total: z.number().int().openapi({ description: 'Members of the segment.' }),
    items: z.array(MemberSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  })
  .openapi('SegmentMemberPage');

export function toMemberBody(member: SegmentMember, personalData: boolean): z.infer<typeof MemberSchema> {
  return {
    customerId: String(member.customerId),
    externalId: member.externalId,
    ...(personalData ? { email: member.email, name: member.name } : {}),
    country: member.country,
    enteredAt: iso(member.enteredAt),
  };
}

const SampleCustomerSchema = z
  .object({
    customerId: z.string(),
    externalId: z.string().nullable(),
    ...personal,
    country: z.string().nullable(),
  })
  .openapi('SegmentPreviewCustomer');

export const PreviewSchema = z
  .object({
    total: z.number().int().openapi({ description: 'Customers the rule matches now.' }),
    sample: z.array(SampleCustomerSchema).openapi({ description: 'The first matching customers by id.' }),
  })
  .openapi('SegmentPreview');

export function toSampleBody(
  customer: MatchingCustomer,
  personalData: boolean,
): z.infer<typeof SampleCustomerSchema> {
  return {
    customerId: String(customer.customerId),
    externalId: customer.externalId,
    ...(personalData ? { email: customer.email, name: customer.name } : {}),
    country: customer.country,
  };
}

export const FieldListSchema = z
  .object({
    operators: z.array(z.enum(OPERATORS)),
    fields: z.array(
      z.object({
        name: z.string(),
        family: z.string(),
        kind: z.string(),
        operators: z.array(z.enum(OPERATORS)),
        window: z.boolean().openapi({ description: 'Takes a `window` (the orders or events of a period).' }),
        values: z.array(z.string()).optional(),
        minimum: z.number().optional(),
        maximum: z.number().optional(),
        integer: z.boolean().optional(),
        unit: z.enum(['cents', 'probability']).optional().openapi({
          description:
            '`cents`: an amount in cents of the workspace’s currency; `probability`: a number 0–1.',
        }),
        pattern: z
          .string()
          .optional()
          .openapi({ description: 'A regular expression (JavaScript syntax) a text value must match.' }),
        description: z.string(),
      }),
    ),
  })
  .openapi('SegmentFieldList');

function toFieldBody(field: FieldDefinition) {
  return {
    name: field.name,
    family: field.family,
    kind: field.kind,
    operators: [...field.operators],
    window: field.window,
    ...(field.values === undefined ? {} : { values: [...field.values] }),
    ...(field.minimum === undefined ? {} : { minimum: field.minimum }),
    ...(field.maximum === undefined ? {} : { maximum: field.maximum }),
    ...(field.integer === undefined ? {} : { integer: field.integer }),
    ...(field.unit === undefined ? {} : { unit: field.unit }),
    ...(field.pattern === undefined ? {} : { pattern: field.pattern.source }),
    description: field.description,
  };
}

/** The catalogue as `GET /segments/fields` answers it. */
export function fieldListBody(): z.infer<typeof FieldListSchema> {
  return { operators: [...OPERATORS], fields: listFields().map(toFieldBody) };
}
