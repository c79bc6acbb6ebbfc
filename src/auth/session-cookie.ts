/**
 * The session cookie `retain_session`: HttpOnly (scripts cannot read it), SameSite=Lax (not sent
 * on cross-site POSTs, fetches or iframes), Path=/, and Secure whenever the request came over
 * HTTPS (directly, or as a proxy says in `X-Forwarded-Proto`; saying so can only add `Secure`).
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'retain_session';

/** Longest value accepted as a token before any lookup (ours have 43 characters). */
const MAX_TOKEN_LENGTH = 128;

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('X-Forwarded-Proto') === 'https';
}

/** Sets the cookie to `token`, expiring at `expiresAt` (epoch ms) as seen from `now`. */
export function setSessionCookie(c: Context, token: string, expiresAt: number, now: number): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    path: '/',
    maxAge: Math.max(0, Math.floor((expiresAt - now) / 1000)),
  });
}

/** Tells the browser to drop the cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
}

/** The token in the request's cookie, or `undefined` (also for an implausibly long value). */
export function readSessionToken(c: Context): string | undefined {
  const token = getCookie(c, SESSION_COOKIE);
  return token === undefined || token === '' || token.length > MAX_TOKEN_LENGTH ? undefined : token;
}
