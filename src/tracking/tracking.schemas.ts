/**
 * Request bodies of the Segment-compatible tracking API (Segment's "HTTP Tracking API": identify,
 * track and batch; page and screen are accepted inside a batch too, group and alias are accepted
 * and ignored so that SDKs which send them keep working).
 *
 * Field names and meanings are Segment's: `userId` or `anonymousId` (at least one), `event`
 * (track), `properties`, `traits` (identify), `timestamp` (ISO 8601; `originalTimestamp`, the
 * client's clock at the call, when there is no `timestamp`), `sentAt` (the client's clock
 * when it sent the call, used to correct clock skew), `messageId` (deduplication, at most 100
 * characters as Segment caps it), `context`, `integrations` (ignored), `writeKey` (an alternative
 * to the Authorization header).
 */
import { z } from '@hono/zod-openapi';

/** Longest accepted messageId (Segment truncates at 100 characters; we reject instead). */
export const MAX_MESSAGE_ID_LENGTH = 100;
/** Longest accepted userId / anonymousId / event name. */
export const MAX_IDENTIFIER_LENGTH = 255;

const jsonObject = z.record(z.string(), z.unknown());

/** ISO 8601 instant with `Z` or an offset, or a calendar date (midnight UTC). */
const isoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).openapi({
  type: 'string',
  format: 'date-time',
  example: '2024-05-01T12:00:00.000Z',
});

const identity = {
  userId: z.string().min(1).max(MAX_IDENTIFIER_LENGTH).optional(),
  anonymousId: z.string().min(1).max(MAX_IDENTIFIER_LENGTH).optional(),
  timestamp: isoInstant.optional(),
  /** Segment's name for the client's own clock at the call; read when `timestamp` is absent. */
  originalTimestamp: isoInstant.optional(),
  sentAt: isoInstant.optional(),
  messageId: z.string().min(1).max(MAX_MESSAGE_ID_LENGTH).optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
};

/**
 * Segment requires one of the two identities on every call. Checked even when other fields failed
 * (`when`), so one 400 names every problem.
 */
const hasIdentity = (message: { userId?: unknown; anonymousId?: unknown }): boolean =>
  message.userId !== undefined || message.anonymousId !== undefined;
const identityRequired = {
  path: ['userId'],
  message: 'Either userId or anonymousId is required.',
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null,
};

const identifyFields = { ...identity, traits: jsonObject.optional() };
const trackFields = {
  ...identity,
  event: z.string().min(1).max(MAX_IDENTIFIER_LENGTH),
  properties: jsonObject.optional(),
};
const pageFields = {
  ...identity,
  name: z.string().max(MAX_IDENTIFIER_LENGTH).optional(),
  category: z.string().max(MAX_IDENTIFIER_LENGTH).optional(),
  properties: jsonObject.optional(),
};
const ignoredFields = { ...identity };

/** The body of `POST /v1/identify`. */
export const IdentifyBody = z
  .object({ ...identifyFields, type: z.literal('identify').optional(), writeKey: z.string().optional() })
  .refine(hasIdentity, identityRequired)
  .openapi('TrackingIdentify');

/** The body of `POST /v1/track`. */
export const TrackBody = z
  .object({ ...trackFields, type: z.literal('track').optional(), writeKey: z.string().optional() })
  .refine(hasIdentity, identityRequired)
  .openapi('TrackingTrack');

const BatchMessage = z.discriminatedUnion('type', [
  z.object({ ...identifyFields, type: z.literal('identify') }).refine(hasIdentity, identityRequired),
  z.object({ ...trackFields, type: z.literal('track') }).refine(hasIdentity, identityRequired),
  z.object({ ...pageFields, type: z.literal('page') }).refine(hasIdentity, identityRequired),
  z.object({ ...pageFields, type: z.literal('screen') }).refine(hasIdentity, identityRequired),
  z.object({ ...ignoredFields, type: z.enum(['group', 'alias']) }),
]);

/** The body of `POST /v1/batch`: the envelope's `context` and `sentAt` apply to every message. */
export const BatchBody = z
  .object({
    batch: z.array(BatchMessage),
    context: jsonObject.optional(),
    integrations: jsonObject.optional(),
    sentAt: isoInstant.optional(),
    writeKey: z.string().optional(),
  })
  .openapi('TrackingBatch');

/** `{ success: true }`, Segment's answer to an accepted call. */
export const TrackingAccepted = z.object({ success: z.literal(true) }).openapi('TrackingAccepted');

export type IdentifyBody = z.infer<typeof IdentifyBody>;
export type TrackBody = z.infer<typeof TrackBody>;
export type BatchBody = z.infer<typeof BatchBody>;
export type BatchMessage = z.infer<typeof BatchMessage>;
