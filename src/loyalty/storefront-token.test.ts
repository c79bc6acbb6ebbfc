/**
 * Storefront tokens without a browser: a token signed with the workspace's secret verifies until it
 * expires; one with another secret, a changed customer, workspace or expiry, a truncated signature,
 * or a lifetime over 7 days does not; the format is exactly the one docs/api.md gives shops.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_LIFETIME_S,
  readStorefrontToken,
  signStorefrontToken,
  verifyStorefrontToken,
} from './storefront-token.js';

const SECRET = 'workspace-secret';
const NOW = Date.UTC(2026, 5, 1);
const IN_AN_HOUR = NOW / 1000 + 3600;

const verify = (token: string, secret = SECRET, now = NOW) => {
  const read = readStorefrontToken(token);
  return read !== undefined && verifyStorefrontToken(secret, read, now);
};

describe('storefront tokens', () => {
  it('matches the recipe docs/api.md gives shops, and verifies until it expires', () => {
    const payload = `v1.7.${IN_AN_HOUR}.${Buffer.from('cust-42').toString('base64url')}`;
    const byHand = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    expect(
      signStorefrontToken(SECRET, { workspaceId: 7, externalId: 'cust-42', expiresAt: IN_AN_HOUR }),
    ).toBe(byHand);
    expect(readStorefrontToken(byHand)).toMatchObject({
      workspaceId: 7,
      externalId: 'cust-42',
      expiresAt: IN_AN_HOUR,
    });
    expect(verify(byHand)).toBe(true);
    expect(verify(byHand, SECRET, IN_AN_HOUR * 1000)).toBe(false); // expired at that second
  });

  it('refuses another secret, any changed part, a cut signature and a too-long lifetime', () => {
    const token = signStorefrontToken(SECRET, { workspaceId: 7, externalId: 'ann', expiresAt: IN_AN_HOUR });
    const [version, workspace, expires, customer, signature] = token.split('.') as [
      string,
      string,
      string,
      string,
      string,
    ];
    expect(verify(token, 'another-secret')).toBe(false);
    expect(verify([version, '8', expires, customer, signature].join('.'))).toBe(false);
    expect(verify([version, workspace, String(IN_AN_HOUR + 1), customer, signature].join('.'))).toBe(false);
    expect(
      verify([version, workspace, expires, Buffer.from('bob').toString('base64url'), signature].join('.')),
    ).toBe(false);
    expect(verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(verify(token.slice(0, -2))).toBe(false);
    expect(verify('')).toBe(false);
    const tooLong = signStorefrontToken(SECRET, {
      workspaceId: 7,
      externalId: 'ann',
      expiresAt: NOW / 1000 + MAX_TOKEN_LIFETIME_S + 60,
    });
    expect(verify(tooLong)).toBe(false);
  });
});
