/**
 * What the Segment-compatible tracking API reads, message by message: Segment's field names and
 * meanings (its "HTTP Tracking API" spec), read the way Segment's own clients write them.
 *
 * - **null means absent** for every top-level field of a message and of a batch: the Python client
 *   sends `"anonymousId": null`, `"category": null`…, analytics.js `"userId": null` before
 *   identification.
 * - **ids** (`userId`, `anonymousId`, `groupId`, `previousId`) are strings or integers, stored as
 *   strings (`42` → `"42"`); an empty string is absent.
 * - **instants** (`timestamp`, `originalTimestamp`, `sentAt`) are ISO 8601 with `Z`, `±hh:mm`,
 *   `±hhmm`, `±hh` or no offset (read as UTC), any number of fraction digits, or a calendar date
 *   (an odd year is kept here: `occurredAt` replaces an instant outside the supported dates).
 * - every problem is an issue with the path of the field, so one answer names them all.
 */
import { z } from '@hono/zod-openapi';
import type { InputIssue } from '../errors/index.js';
import { hostileJsonIssues } from '../http/index.js';
import type { TrackingMessage, TrackingMessageType } from './tracking.service.js';

/** Longest accepted messageId (Segment truncates at 100 characters; we reject instead). */
export const MAX_MESSAGE_ID_LENGTH = 100;
/** Longest accepted id (userId, anonymousId, groupId, previousId), event, page name or category. */
export const MAX_IDENTIFIER_LENGTH = 255;

/** The message types, in the order Segment documents them. */
export const MESSAGE_TYPES: readonly TrackingMessageType[] = [
  'identify',
  'track',
  'page',
  'screen',
  'group',
  'alias',
];

/** A copy of `value` without its null-valued keys (a non-object is returned as it is). */
export function withoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/**
 * Epoch ms of an ISO 8601 instant as Segment's clients write it (see the file comment), or
 * `undefined` when it is not one or names no real calendar day. O(length).
 * Example: `parseInstant('2024-05-01T12:00:00.000+0000')` → 1714564800000.
 */
export function parseInstant(text: string): number | undefined {
  const match = INSTANT.exec(text);
  if (match === null) return undefined;
  const [
    ,
    year,
    month,
    day,
    hour = '0',
    minute = '0',
    second = '0',
    fraction = '',
    ,
    sign,
    offsetHours,
    offsetMinutes,
  ] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const oh = Number(offsetHours ?? 0);
  const om = Number(offsetMinutes ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) return undefined;
  const calendar = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3))));
  calendar.setUTCFullYear(y, mo - 1, d);
  if (calendar.getUTCDate() !== d) return undefined; // 31 April, 29 February of a common year…
  const offset = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  return calendar.getTime() - offset;
}

const instant = z.string().transform((text, context) => {
  const parsed = parseInstant(text);
  if (parsed === undefined) {
    context.addIssue({
      code: 'custom',
      message: 'Not an ISO 8601 instant (e.g. 2024-05-01T12:00:00.000Z, …+02:00, …+0000).',
    });
    return z.NEVER;
  }
  return parsed;
});

/** An id: a string of at most 255 characters or a safe integer, as a string; "" is absent. */
const identifier = z.union([z.string(), z.number()]).transform((value, context) => {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      context.addIssue({
        code: 'custom',
        message: 'A numeric id must be an integer within ±(2^53 − 1); send larger ids as strings.',
      });
      return z.NEVER;
    }
    return String(value);
  }
  if (value.length > MAX_IDENTIFIER_LENGTH) {
    context.addIssue({ code: 'custom', message: `At most ${MAX_IDENTIFIER_LENGTH} characters.` });
    return z.NEVER;
  }
  return value === '' ? undefined : value;
});

const jsonObject = z.record(z.string(), z.unknown());
const shortText = z.string().max(MAX_IDENTIFIER_LENGTH);

const common = {
  userId: identifier.optional(),
  anonymousId: identifier.optional(),
  messageId: z.string().min(1).max(MAX_MESSAGE_ID_LENGTH).optional(),
  timestamp: instant.optional(),
  /** Segment's name for the client's own clock at the call; read when `timestamp` is absent. */
  originalTimestamp: instant.optional(),
  sentAt: instant.optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
};

const MESSAGE_SCHEMAS = {
  identify: z.object({ ...common, traits: jsonObject.optional() }),
  track: z.object({
    ...common,
    event: z.string().min(1).max(MAX_IDENTIFIER_LENGTH),
    properties: jsonObject.optional(),
  }),
  page: z.object({
    ...common,
    name: shortText.optional(),
    category: shortText.optional(),
    properties: jsonObject.optional(),
  }),
  screen: z.object({
    ...common,
    name: shortText.optional(),
    category: shortText.optional(),
    properties: jsonObject.optional(),
  }),
  group: z.object({ ...common, groupId: identifier, traits: jsonObject.optional() }),
  alias: z.object({ ...common, previousId: identifier }),
} as const;

/** The envelope of a batch (`/v1/batch`, `/v1/import`): its context and sentAt apply to each message. */
const BatchEnvelope = z.object({
  batch: z.array(z.unknown()),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
  sentAt: instant.optional(),
  writeKey: z.string().optional(),
});

/** A message read, or why not. */
export type MessageReading =
  | { readonly ok: true; readonly message: TrackingMessage; readonly writeKey?: string | undefined }
  | { readonly ok: false; readonly issues: InputIssue[] };

function issuesOf(error: z.ZodError, root: readonly (string | number)[]): InputIssue[] {
  return error.issues.map((issue) => ({
    path: [...root, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
    message: issue.message,
    code: issue.code,
  }));
}

/** Longest JSON text of one message (Segment: 32 KB), as it is re-serialised. */
export const MAX_MESSAGE_BYTES = 32 * 1024;

/**
 * Reads one message of type `expectedType` (a single call's route), or of the type it names (a
 * batch item), with the batch's `context` and `sentAt` under its own. Issues carry `root` before
 * each field's path (e.g. `['json', 'batch', 3]`). O(size of the message).
 */
export function readMessage(
  raw: unknown,
  root: readonly (string | number)[],
  options: {
    readonly expectedType?: TrackingMessageType;
    readonly envelope?: { readonly context?: Record<string, unknown>; readonly sentAt?: number };
  } = {},
): MessageReading {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      issues: [{ path: [...root], message: 'A message is a JSON object.', code: 'invalid_type' }],
    };
  }
  // Text no store can keep, and nesting too deep to serialise again, before anything else.
  const hostile = hostileJsonIssues(raw, [...root]);
  if (hostile.length > 0) return { ok: false, issues: hostile };
  const bytes = Buffer.byteLength(JSON.stringify(raw));
  if (bytes > MAX_MESSAGE_BYTES) {
    return {
      ok: false,
      issues: [
        { path: [...root], message: `This message is over ${MAX_MESSAGE_BYTES / 1024} KB.`, code: 'too_big' },
      ],
    };
  }
  const fields = withoutNulls(raw) as Record<string, unknown>;
  const type = fields.type ?? options.expectedType;
  if (
    typeof type !== 'string' ||
    !(MESSAGE_TYPES as readonly string[]).includes(type) ||
    (options.expectedType !== undefined && type !== options.expectedType)
  ) {
    const expected = options.expectedType === undefined ? MESSAGE_TYPES.join(', ') : options.expectedType;
    return {
      ok: false,
      issues: [{ path: [...root, 'type'], message: `Expected ${expected}.`, code: 'invalid_value' }],
    };
  }
  const messageType = type as TrackingMessageType;
  const parsed = MESSAGE_SCHEMAS[messageType].safeParse(fields);
  const issues = parsed.success ? [] : issuesOf(parsed.error, root);
  // One of the identities is required (alias: userId and previousId), also when other fields failed.
  const present = (key: string) => {
    const value = fields[key];
    return value !== undefined && value !== '';
  };
  if (messageType === 'alias' ? !present('userId') : !present('userId') && !present('anonymousId')) {
    if (!issues.some((issue) => issue.path[root.length] === 'userId')) {
      issues.push({
        path: [...root, 'userId'],
        message:
          messageType === 'alias' ? 'Required: the new userId.' : 'Either userId or anonymousId is required.',
        code: 'invalid_type',
      });
    }
  }
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  const data = parsed.data as Record<string, unknown> & z.infer<(typeof MESSAGE_SCHEMAS)['identify']>;
  const context =
    options.envelope?.context === undefined ? data.context : { ...options.envelope.context, ...data.context };
  const message: TrackingMessage = {
    type: messageType,
    userId: data.userId,
    anonymousId: data.anonymousId,
    messageId: data.messageId,
    timestamp: data.timestamp ?? data.originalTimestamp,
    sentAt: data.sentAt ?? options.envelope?.sentAt,
    context,
    ...(messageType === 'track' ? { event: data.event as string, properties: data.properties as never } : {}),
    ...(messageType === 'page' || messageType === 'screen'
      ? {
          event: data.name as string | undefined,
          category: data.category as string | undefined,
          properties: data.properties as never,
        }
      : {}),
    ...(messageType === 'identify' || messageType === 'group' ? { properties: data.traits } : {}),
    ...(messageType === 'group' ? { groupId: data.groupId as string } : {}),
    ...(messageType === 'alias' ? { previousId: data.previousId as string } : {}),
  };
  return { ok: true, message, writeKey: typeof fields.writeKey === 'string' ? fields.writeKey : undefined };
}

/** A batch's envelope read, or why not (the whole request is then refused). */
export type EnvelopeReading =
  | {
      readonly ok: true;
      readonly batch: unknown[];
      readonly context?: Record<string, unknown> | undefined;
      readonly sentAt?: number | undefined;
      readonly writeKey?: string | undefined;
    }
  | { readonly ok: false; readonly issues: InputIssue[] };

/** Reads a batch body's envelope (everything but the messages, which `readMessage` reads one by one). */
export function readEnvelope(raw: unknown): EnvelopeReading {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      issues: [{ path: ['json'], message: 'The body is a JSON object.', code: 'invalid_type' }],
    };
  }
  const { batch, ...rest } = withoutNulls(raw) as Record<string, unknown>;
  const hostile = hostileJsonIssues(rest, ['json']);
  if (hostile.length > 0) return { ok: false, issues: hostile };
  const parsed = BatchEnvelope.safeParse({ ...rest, batch });
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, ['json']) };
  return {
    ok: true,
    batch: parsed.data.batch,
    context: parsed.data.context,
    sentAt: parsed.data.sentAt,
    writeKey: parsed.data.writeKey,
  };
}

// ——— The OpenAPI description of the bodies (the readers above are what runs) ———

const docIdentifier = z
  .union([z.string().max(MAX_IDENTIFIER_LENGTH), z.number().int()])
  .nullable()
  .openapi({ description: 'A string or an integer (stored as a string); null or "" is absent.' });
const docInstant = z.string().nullable().openapi({
  format: 'date-time',
  description:
    'ISO 8601 with Z, ±hh:mm, ±hhmm or no offset (UTC), or a date; outside 1970–2100 the time received is stored.',
  example: '2024-05-01T12:00:00.000Z',
});
const docObject = jsonObject.nullable();
const docCommon = {
  userId: docIdentifier.optional(),
  anonymousId: docIdentifier.optional(),
  messageId: z.string().max(MAX_MESSAGE_ID_LENGTH).nullable().optional(),
  timestamp: docInstant.optional(),
  originalTimestamp: docInstant.optional(),
  sentAt: docInstant.optional(),
  context: docObject.optional(),
  integrations: docObject.optional(),
  writeKey: z.string().optional().openapi({ description: 'Instead of the Authorization header.' }),
};

/** The documented body of each single call, by type. */
export const MESSAGE_DOCS = {
  identify: z
    .object({ ...docCommon, type: z.literal('identify').optional(), traits: docObject.optional() })
    .openapi('TrackingIdentify'),
  track: z
    .object({
      ...docCommon,
      type: z.literal('track').optional(),
      event: z.string().max(MAX_IDENTIFIER_LENGTH),
      properties: docObject.optional(),
    })
    .openapi('TrackingTrack'),
  page: z
    .object({
      ...docCommon,
      type: z.literal('page').optional(),
      name: shortText.nullable().optional(),
      category: shortText.nullable().optional(),
      properties: docObject.optional(),
    })
    .openapi('TrackingPage'),
  screen: z
    .object({
      ...docCommon,
      type: z.literal('screen').optional(),
      name: shortText.nullable().optional(),
      category: shortText.nullable().optional(),
      properties: docObject.optional(),
    })
    .openapi('TrackingScreen'),
  group: z
    .object({
      ...docCommon,
      type: z.literal('group').optional(),
      groupId: docIdentifier,
      traits: docObject.optional(),
    })
    .openapi('TrackingGroup'),
  alias: z
    .object({ ...docCommon, type: z.literal('alias').optional(), previousId: docIdentifier })
    .openapi('TrackingAlias'),
} as const;

/** The documented body of `/v1/batch` and `/v1/import`. */
export const BatchDoc = z
  .object({
    batch: z.array(z.record(z.string(), z.unknown()).openapi({ description: 'A message with its `type`.' })),
    context: docObject.optional(),
    integrations: docObject.optional(),
    sentAt: docInstant.optional(),
    writeKey: z.string().optional(),
  })
  .openapi('TrackingBatch');

/** `{ success: true }`, Segment's answer to an accepted call; a batch lists the messages it dropped. */
export const TrackingAccepted = z
  .object({
    success: z.literal(true),
    rejected: z
      .array(
        z.object({
          index: z.number().int().openapi({ description: 'Position of the message in `batch`.' }),
          messageId: z.string().nullable(),
          issues: z.array(
            z.object({
              path: z.array(z.union([z.string(), z.number()])),
              message: z.string(),
              code: z.string().optional(),
            }),
          ),
        }),
      )
      .optional()
      .openapi({
        description: 'Batch only, when messages were dropped: which, and why. The others were stored.',
      }),
  })
  .openapi('TrackingAccepted');
