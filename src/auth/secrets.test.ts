import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roleOfScopes } from './api-key.repository.js';
import { hashPassword, verifyPassword } from './password.js';
import { constantTimeEqual, csrfTokenOf, generateApiKey, hashSecret, looksLikeApiKey } from './secrets.js';

describe('API keys', () => {
  it('have the shape rk_<8 hex>_<43 base64url> and are stored as their SHA-256', () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(/^rk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(generated.key.startsWith(`${generated.prefix}_`)).toBe(true);
    // SHA-256 computed independently of hashSecret.
    expect(generated.hash).toBe(createHash('sha256').update(generated.key).digest('hex'));
    expect(looksLikeApiKey(generated.key)).toBe(true);
    expect(looksLikeApiKey(`${generated.key}x`)).toBe(false);
    expect(looksLikeApiKey('wk_abc')).toBe(false);
    expect(generateApiKey().key).not.toBe(generated.key);
  });

  it('read their role from the scope role:<role>, else the least privileged role', () => {
    expect(roleOfScopes(['role:admin'])).toBe('admin');
    expect(roleOfScopes(['customers:read', 'role:marketer'])).toBe('marketer');
    expect(roleOfScopes([])).toBe('agent');
    expect(roleOfScopes(['role:emperor'])).toBe('agent');
  });
});

describe('session secrets', () => {
  it('derive a CSRF token that differs from the stored session id', () => {
    const token = 'a'.repeat(43);
    expect(csrfTokenOf(token, 1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfTokenOf(token, 1)).toBe(csrfTokenOf(token, 1));
    expect(csrfTokenOf(token, 1)).not.toBe(csrfTokenOf('b'.repeat(43), 1));
    // Another workspace (after a switch), another token.
    expect(csrfTokenOf(token, 1)).not.toBe(csrfTokenOf(token, 2));
    expect(Buffer.from(csrfTokenOf(token, 1), 'base64url').toString('hex')).not.toBe(hashSecret(token));
  });

  it('compare equal strings as equal and any two different strings as different (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        (left, right) => constantTimeEqual(left, right) === (left === right),
      ),
    );
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
  });
});

describe('passwords', () => {
  it('hash with argon2id and verify only the right password', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse')).toBe(true);
    expect(await verifyPassword(hash, 'correct horsE')).toBe(false);
    expect(await verifyPassword(null, 'correct horse')).toBe(false);
    expect(await verifyPassword('not a hash', 'correct horse')).toBe(false);
  });

  it('refuse passwords shorter than 8 or longer than 1024 characters', async () => {
    await expect(hashPassword('1234567')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(hashPassword('x'.repeat(1025))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(hashPassword('12345678')).resolves.toMatch(/^\$argon2id/);
  });
});
