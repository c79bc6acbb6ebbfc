/**
 * What every route's OpenAPI declaration shares about errors: the one error body (`ApiError`, the
 * shape server/errors.ts answers with) and the error responses a route declares. A route lists only
 * the statuses it can really give; `authenticatedErrors` holds the ones the middleware in front of
 * every authenticated `/api/v1` route gives, so no such route leaves them out of the document.
 */
import { z } from '@hono/zod-openapi';

/** `{ error: { code, message, issues? } }`: the body of every error answer. */
export const ApiErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({
        description:
          'invalid_input (400), unauthenticated (401), forbidden (403), not_found (404), conflict (409), payload_too_large (413), unsupported_media_type (415), rate_limited (429), unavailable (503), internal (500).',
        example: 'not_found',
      }),
      message: z.string().openapi({ description: 'One sentence for a person.' }),
      issues: z
        .array(
          z.object({
            path: z
              .array(z.union([z.string(), z.number()]))
              .openapi({ description: 'Where: `query`, `param`, `json` or `form`, then the field.' }),
            message: z.string(),
            code: z.string().optional(),
          }),
        )
        .optional()
        .openapi({ description: 'Each bad field of an invalid input.' }),
    }),
  })
  .openapi('ApiError');

/** The error statuses a route can declare (server/errors.ts maps each error code to one). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

/** A documented error answer: a description and the shared body. */
export interface ErrorResponse {
  readonly description: string;
  readonly content: { readonly 'application/json': { readonly schema: typeof ApiErrorSchema } };
}

type Descriptions = { readonly [Status in ErrorStatus]?: string };

/**
 * The error responses of a route, one per described status, each with the `ApiError` body.
 * Example: `describeErrors({ 404: 'No such import' })` → `{ 404: { description, content } }`.
 */
export function describeErrors<Described extends Descriptions>(
  descriptions: Described,
): { [Status in keyof Described]: ErrorResponse } {
  return Object.fromEntries(
    Object.entries(descriptions).map(([status, description]) => [
      status,
      { description, content: { 'application/json': { schema: ApiErrorSchema } } },
    ]),
  ) as { [Status in keyof Described]: ErrorResponse };
}

/**
 * What the middleware in front of every authenticated `/api/v1` route answers (server/app.ts): the
 * input no store can keep (http/hostile-input.ts) or the route's own validation, no or bad
 * credentials, the per-caller rate limit, and a store that cannot be reached.
 */
export const AUTHENTICATED_ERRORS = {
  400: 'The request is not valid: `error.issues` names each bad parameter or field (input no store can keep — a NUL character, a lone surrogate, JSON nested too deep — included).',
  401: 'No session or API key, or one that is not valid (any more).',
  429: 'Too many requests from this caller; retry after `Retry-After` seconds (docs/operations.md, "Limits").',
  503: 'The store cannot be reached or is full; retry after `Retry-After` seconds.',
} as const;

/** Why a cookie request with an unsafe method (POST, PUT, PATCH, DELETE) is refused. */
export const CSRF_REFUSED = 'a session request without its `X-CSRF-Token` header';

/** What a route with a JSON body answers for a body it cannot read. */
export const JSON_BODY_ERRORS = {
  413: 'The body is larger than the limit (`RETAIN_MAX_BODY_BYTES`, 1 MiB by default).',
  415: 'A body that is not `application/json`.',
} as const;

/**
 * The error responses of an authenticated route: `AUTHENTICATED_ERRORS` and the route's own
 * (`specific`, which may also reword a common one).
 * Example: `authenticatedErrors({ 404: 'No such customer in the caller’s workspace' })`.
 */
export function authenticatedErrors<Specific extends Descriptions = Record<never, string>>(
  specific: Specific = {} as Specific,
) {
  return describeErrors({ ...AUTHENTICATED_ERRORS, ...specific });
}
