/**
 * Event files (generic layout), one row per event, in the vocabulary of the Segment spec so that
 * an export from an analytics tool maps without renaming: `event` (or `name`), `user_id` (or
 * `userId`, `customer_id`), `anonymous_id` (or `anonymousId`), `timestamp` (or `occurred_at`),
 * `message_id` (or `messageId`), `properties` (a JSON object); every other column is a property.
 */
import { createHash } from 'node:crypto';
import type { FieldSpec } from '../csv/index.js';
import type { RecordLayout } from './import.record-reader.js';
import type { EventRecord } from './import.types.js';

export const GENERIC_EVENT_FIELDS: readonly FieldSpec[] = [
  { field: 'name', headers: ['event', 'name'], required: true },
  { field: 'user_id', headers: ['user_id', 'userid', 'customer_id'], required: false },
  { field: 'anonymous_id', headers: ['anonymous_id', 'anonymousid'], required: false },
  { field: 'occurred_at', headers: ['timestamp', 'occurred_at'], required: true },
  { field: 'message_id', headers: ['message_id', 'messageid'], required: false },
  { field: 'properties', headers: ['properties'], required: false },
];

/**
 * A row without a message id gets `csv:<sha-256 of user, anonymous id, event, instant and
 * properties>`, so the same row imported twice is stored once (identical rows are one event).
 */
export const genericEventLayout: RecordLayout<EventRecord> = {
  fields: GENERIC_EVENT_FIELDS,
  read([row]) {
    if (row === undefined) return null;
    const name = row.required('name', 'event name');
    const userId = row.optional('user_id');
    const anonymousId = row.optional('anonymous_id');
    if (userId === null && anonymousId === null) {
      row.problem('user_id', 'missing-value', 'an event needs a user id or an anonymous id');
    }
    const occurredAt = row.instant('occurred_at', true) ?? Number.NaN;
    let properties: Record<string, unknown> = row.extraColumns();
    const json = row.text('properties');
    if (json !== '') {
      try {
        const parsed: unknown = JSON.parse(json);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
        properties = { ...properties, ...(parsed as Record<string, unknown>) };
      } catch {
        row.problem('properties', 'invalid-json', 'properties must be a JSON object, e.g. {"plan":"pro"}');
      }
    }
    if (row.failed) return null;
    const messageId =
      row.optional('message_id') ??
      `csv:${createHash('sha256')
        .update(JSON.stringify([userId, anonymousId, name, occurredAt, properties]))
        .digest('hex')
        .slice(0, 32)}`;
    return {
      messageId,
      customer: userId === null ? null : { externalId: userId, email: null },
      userId,
      anonymousId,
      name,
      occurredAt,
      properties,
    };
  },
};
