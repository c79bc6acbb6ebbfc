/**
 * Storefront tokens: how a shop tells Retain which of its customers a browser belongs to, so that
 * the customer-facing API and widget show (and spend) only that customer's points.
 *
 * The shop's server signs, with the workspace's storefront secret (docs/operations.md):
 *
 *     payload   = "v1." + workspaceId + "." + expiresAt (epoch seconds) + "." + base64url(customer external id)
 *     signature = base64url(HMAC-SHA256(secret, payload))
 *     token     = payload + "." + signature
 *
 * The customer is named by the shop's own id (its external id in Retain), which the shop has at
 * hand. Verification recomputes the HMAC and compares in constant time (`timingSafeEqual`), then
 * checks the expiry; a token is refused whole — forged, altered, expired, for another workspace or
 * another customer — with no hint which.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Longest lifetime a token may claim (a shop signs a token per page view or session). */
export const MAX_TOKEN_LIFETIME_S = 7 * 24 * 3600;

/** A token for `externalId`, valid until `expiresAt` (epoch seconds). What a shop's server does. */
export function signStorefrontToken(
  secret: string,
  claims: { readonly workspaceId: number; readonly externalId: string; readonly expiresAt: number },
): string {
  const payload = `v1.${claims.workspaceId}.${claims.expiresAt}.${Buffer.from(claims.externalId, 'utf8').toString('base64url')}`;
  return `${payload}.${signature(secret, payload)}`;
}

function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** The parts of a token before its signature is checked; `undefined` when it is not one. */
export function readStorefrontToken(
  token: string,
):
  | { workspaceId: number; expiresAt: number; externalId: string; payload: string; signature: string }
  | undefined {
  if (token.length > 1024) return undefined;
  const match =
    /^v1\.([1-9][0-9]{0,15})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{1,680})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (match === null) return undefined;
  const externalId = Buffer.from(match[3]!, 'base64url').toString('utf8');
  if (externalId.length === 0) return undefined;
  return {
    workspaceId: Number(match[1]),
    expiresAt: Number(match[2]),
    externalId,
    payload: `v1.${match[1]}.${match[2]}.${match[3]}`,
    signature: match[4]!,
  };
}

/**
 * Whether `token`'s signature is `secret`'s and it has not expired at `now` (epoch ms), nor claims
 * more than `MAX_TOKEN_LIFETIME_S`. Constant-time in the signature.
 */
export function verifyStorefrontToken(
  secret: string,
  token: ReturnType<typeof readStorefrontToken> & object,
  now: number,
): boolean {
  const expected = Buffer.from(signature(secret, token.payload), 'base64url');
  const given = Buffer.from(token.signature, 'base64url');
  const signed = given.length === expected.length && timingSafeEqual(given, expected);
  const nowSeconds = Math.floor(now / 1000);
  return signed && token.expiresAt > nowSeconds && token.expiresAt <= nowSeconds + MAX_TOKEN_LIFETIME_S;
}
