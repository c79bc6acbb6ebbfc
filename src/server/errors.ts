/**
 * The one place where domain errors become HTTP responses. Every error body has the same shape,
 * `{ error: { code, message, issues? } }`, and no response ever carries a stack trace: an
 * unexpected error is logged on the server and answered with a generic 500.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { storageUnavailableReason } from '../db/index.js';
import { RetainError, type RetainErrorCode } from '../errors/index.js';

const STATUS: Readonly<Record<RetainErrorCode, ContentfulStatusCode>> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

/** HTTP status of a domain error code. */
export function statusOf(code: RetainErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

function codeOfStatus(status: number): RetainErrorCode | 'error' {
  const entry = Object.entries(STATUS).find(([, value]) => value === status);
  return (entry?.[0] as RetainErrorCode | undefined) ?? 'error';
}

/** Hono `onError` handler. */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof RetainError) {
    const body = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.issues.length > 0 ? { issues: error.issues } : {}),
      },
    };
    if (error.code === 'unauthenticated') c.header('WWW-Authenticate', 'Bearer realm="retain"');
    // A busy or stopping server (an analytics request past its timeout): clients may come back.
    if (error.code === 'unavailable') c.header('Retry-After', '30');
    return c.json(body, statusOf(error.code));
  }
  if (error instanceof HTTPException) {
    // Raised by Hono's own middleware (body limit, malformed JSON, CSRF origin check…).
    const status = error.status as ContentfulStatusCode;
    return c.json(
      { error: { code: codeOfStatus(status), message: error.message || 'Request rejected' } },
      status,
    );
  }
  const unavailable = storageUnavailableReason(error);
  if (unavailable !== null) {
    console.error('Store unavailable while serving', c.req.method, c.req.path, (error as Error).message);
    c.header('Retry-After', '30');
    return c.json({ error: { code: 'unavailable', message: unavailable } }, 503);
  }
  console.error('Unexpected error while serving', c.req.method, c.req.path, error);
  return c.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, 500);
}

/** Hono `notFound` handler: the same JSON shape as every other error. */
export function handleNotFound(c: Context): Response {
  return c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404);
}
