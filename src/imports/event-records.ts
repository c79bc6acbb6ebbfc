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

/** Deepest nesting of a row's `properties` (a JSON object is depth 1), as the API's `MAX_JSON_DEPTH`. */
export const MAX_PROPERTIES_DEPTH = 32;

/**
 * Why a parsed `properties` value cannot be stored, or null: a string or key holding NUL (which
 * JSON can write as `\u0000`: PostgreSQL's jsonb refuses it) or a lone UTF-16 surrogate (`\ud800`:
 * not Unicode text), or nesting deeper than `MAX_PROPERTIES_DEPTH` (re-serialising 5,000 levels
 * overflows the stack). The raw CSV text cannot hold these: the reader refuses NUL bytes and decodes
 * strictly. Iterative, so no value can overflow the stack here. O(size of the value).
 */
export function unstorableJson(value: unknown): { code: string; message: string } | null {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (unstorableString(current)) return UNSTORABLE;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth > MAX_PROPERTIES_DEPTH) {
      return {
        code: 'too-deep',
        message: `properties are nested deeper than ${MAX_PROPERTIES_DEPTH} levels`,
      };
    }
    for (const [key, child] of Object.entries(current)) {
      if (unstorableString(key)) return UNSTORABLE;
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return null;
}

const UNSTORABLE = {
  code: 'unstorable-text',
  message: 'properties hold a NUL character (\\u0000) or a lone UTF-16 surrogate, which cannot be stored',
};

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorableString(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

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
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
      } catch {
        parsed = undefined;
        row.problem('properties', 'invalid-json', 'properties must be a JSON object, e.g. {"plan":"pro"}');
      }
      const problem = parsed === undefined ? null : unstorableJson(parsed);
      if (problem !== null) row.problem('properties', problem.code, problem.message);
      else if (parsed !== undefined) properties = { ...properties, ...(parsed as Record<string, unknown>) };
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
