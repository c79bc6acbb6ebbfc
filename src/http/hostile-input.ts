/**
 * Input no store can keep, refused at the door with a 400 that names where it is: a NUL character
 * (PostgreSQL text cannot hold U+0000), a lone UTF-16 surrogate (not encodable as UTF-8), or JSON
 * nested deeper than `MAX_JSON_DEPTH` (serialising it again would overflow the stack). Both engines
 * then see the same input, and a request can no longer turn into a 500.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { type InputIssue, RetainError } from '../errors/index.js';

/** Deepest nesting of arrays and objects a JSON body may have (a document is depth 1). */
export const MAX_JSON_DEPTH = 32;
/** Problems listed in one refusal; the rest are counted. */
const MAX_LISTED = 10;

type Path = (string | number)[];

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored, or `null`. */
export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode text';
  return null;
}

/**
 * Every unstorable string (values and keys) and every place deeper than `MAX_JSON_DEPTH` in a
 * parsed JSON value, with its path. Iterative, so no input can overflow the stack. O(size).
 */
export function hostileJsonIssues(value: unknown, root: Path, limit = MAX_LISTED): InputIssue[] {
  const issues: InputIssue[] = [];
  const stack: { value: unknown; path: Path; depth: number }[] = [{ value, path: root, depth: 1 }];
  while (stack.length > 0 && issues.length < limit) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableText(current);
      if (problem !== null) issues.push({ path, message: `The text ${problem}.`, code: 'unstorable_text' });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      issues.push({
        path,
        message: `JSON is nested deeper than ${MAX_JSON_DEPTH} levels here.`,
        code: 'too_deep',
      });
      continue;
    }
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], path: [...path, index], depth: depth + 1 });
      }
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const problem = unstorableText(key);
      if (problem !== null) {
        issues.push({ path: [...path, key], message: `The key ${problem}.`, code: 'unstorable_text' });
      }
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return issues;
}

async function jsonBodyOf(c: Context): Promise<{ parsed: true; value: unknown } | { parsed: false }> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return { parsed: false };
  if (!(c.req.header('Content-Type') ?? '').includes('application/json')) return { parsed: false };
  try {
    // Hono keeps the parsed body, so the route's validator reads the same value without parsing again.
    return { parsed: true, value: await c.req.json() };
  } catch {
    return { parsed: false }; // malformed JSON: the route's own validation answers it
  }
}

/** Refuses requests whose query, path or JSON body holds input that cannot be stored (see above). */
export function refuseHostileInput() {
  return createMiddleware(async (c, next) => {
    const issues: InputIssue[] = [];
    const pathProblem = unstorableText(decodeURIComponentSafe(c.req.path));
    if (pathProblem !== null) issues.push({ path: ['path'], message: `The path ${pathProblem}.` });
    // Hono leaves an undecodable parameter as its raw text; refuse it instead of searching for "%FF".
    const search = new URL(c.req.url).search.slice(1);
    for (const part of search === '' ? [] : search.split('&')) {
      const name = part.split('=', 1)[0]!;
      try {
        decodeURIComponent(part.replaceAll('+', ' '));
      } catch {
        issues.push({
          path: ['query', decodeURIComponentSafe(name)],
          message: 'The parameter is not valid UTF-8.',
        });
      }
    }
    for (const [name, values] of Object.entries(c.req.queries())) {
      for (const text of [name, ...values]) {
        const problem = unstorableText(text);
        if (problem !== null) issues.push({ path: ['query', name], message: `The parameter ${problem}.` });
      }
    }
    const body = await jsonBodyOf(c);
    if (body.parsed) issues.push(...hostileJsonIssues(body.value, ['body']));
    if (issues.length > 0) {
      throw new RetainError(
        'invalid_input',
        'The request holds input that cannot be stored.',
        issues.slice(0, MAX_LISTED),
      );
    }
    await next();
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
