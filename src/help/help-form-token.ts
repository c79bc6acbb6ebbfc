/**
 * The public "Was this helpful?" form carries no session, so what protects it is:
 * - a token signed with the workspace's form key (HMAC-SHA256 over the article and the minute the
 *   page was served), valid for a day: a vote must come from a form this server rendered, and
 *   another site cannot mint one without first fetching a page (which a browser cannot do for it
 *   across origins);
 * - the browser's own statement of where a POST comes from: a cross-site `Sec-Fetch-Site`, or an
 *   `Origin` of another host, is refused;
 * - one vote per article and voter (a keyed hash of the address and browser, never the address
 *   itself), a new vote replacing the earlier one, so repeating a vote changes nothing; and the
 *   rate limit on public POSTs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a rendered form can be sent back, ms. */
export const FORM_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

function signature(formKey: string, articleId: number, minute: number): string {
  return createHmac('sha256', formKey).update(`vote:${articleId}:${minute}`).digest('base64url');
}

/** A token for the vote form of `articleId`, issued `now`. Example: `'29412345.Xy…'`. */
export function issueFormToken(formKey: string, articleId: number, now: number): string {
  const minute = Math.floor(now / 60_000);
  return `${minute}.${signature(formKey, articleId, minute)}`;
}

/** True when `token` was issued for `articleId` with this key within the lifetime. */
export function verifyFormToken(formKey: string, articleId: number, token: string, now: number): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (match === null) return false;
  const minute = Number(match[1]);
  const age = now - minute * 60_000;
  if (age < -60_000 || age > FORM_TOKEN_LIFETIME_MS) return false;
  const expected = Buffer.from(signature(formKey, articleId, minute));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * False when the browser says the request comes from another site: `Sec-Fetch-Site: cross-site`,
 * or an `Origin` whose host is not `host`. Requests without either (old browsers, tools) pass:
 * the token and the rate limit still hold for them.
 */
export function isSameSiteRequest(headers: {
  secFetchSite: string | undefined;
  origin: string | undefined;
  host: string | undefined;
}): boolean {
  if (headers.secFetchSite === 'cross-site') return false;
  if (headers.origin !== undefined && headers.origin !== 'null' && headers.host !== undefined) {
    try {
      return new URL(headers.origin).host === headers.host;
    } catch {
      return false;
    }
  }
  return headers.origin !== 'null';
}

/** The voter's key: HMAC of address and browser under the form key (the address is not kept). */
export function voterKeyOf(formKey: string, address: string, userAgent: string): string {
  return createHmac('sha256', formKey)
    .update(`voter:${address}\n${userAgent.slice(0, 256)}`)
    .digest('base64url')
    .slice(0, 32);
}
