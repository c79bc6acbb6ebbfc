/**
 * The domain error every service throws for an expected failure. Services speak in codes; only
 * `src/server/errors.ts` knows which HTTP status each code becomes, and only the CLI knows its exit
 * codes, so the rules stay free of transport concerns.
 */
export type RetainErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

/** One problem with an input: where (`path`, e.g. `['rows', 12, 'amount']`) and what, in a sentence. */
export interface InputIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly code?: string;
}

export class RetainError extends Error {
  readonly code: RetainErrorCode;
  readonly issues: readonly InputIssue[];

  constructor(code: RetainErrorCode, message: string, issues: readonly InputIssue[] = []) {
    super(message);
    this.name = 'RetainError';
    this.code = code;
    this.issues = issues;
  }
}

/** `RetainError('not_found', …)` for an entity; the message never says whether it exists elsewhere. */
export function notFound(entity: string): RetainError {
  return new RetainError('not_found', `${entity} not found`);
}
