/** The address a request came from, for rate limits. */
import type { Context } from 'hono';

/**
 * The client's IP address: the socket's peer, or — only when `trustProxy` (the server runs behind
 * your own proxy, which sets it) — the first `X-Forwarded-For` entry. `'unknown'` when neither is
 * known (`app.request()` in tests has no socket).
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('X-Forwarded-For')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  // @hono/node-server puts the socket in env.incoming.
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
