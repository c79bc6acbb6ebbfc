/**
 * Input no store can keep (issue 9 §4): a NUL character, a lone UTF-16 surrogate, JSON nested
 * thousands deep. The outside probe got a 500 from PostgreSQL for the first two on the login and
 * on list filters, and a stack overflow for the third; each now answers 400 naming the field, the
 * same on both engines, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { hostileJsonIssues, MAX_JSON_DEPTH, unstorableText } from '../../src/http/index.js';
import { apiWorkspace } from '../customers/api.js';
import { describeEachDatabase } from '../support/databases.js';

const NOW = Date.UTC(2026, 0, 1);
const NUL = '\u0000';
const LONE_HIGH = '\uD83D';
const LONE_LOW = '\uDE00';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { next: value };
  return value;
}

describe('unstorableText and hostileJsonIssues', () => {
  it('flags NUL and lone surrogates and nothing else (property against String.isWellFormed)', () => {
    for (let code = 0; code <= 0xffff; code += 1) {
      const text = `a${String.fromCharCode(code)}b`;
      const expectedBad = code === 0 || !(text as unknown as { isWellFormed(): boolean }).isWellFormed();
      expect(unstorableText(text) !== null, `U+${code.toString(16)}`).toBe(expectedBad);
    }
    expect(unstorableText('😀')).toBeNull(); // a proper surrogate pair
    expect(unstorableText(`x${LONE_LOW}${LONE_HIGH}`)).not.toBeNull(); // reversed pair
  });

  it('finds bad keys and values with their paths, and depth beyond the limit, without recursion', () => {
    expect(hostileJsonIssues({ a: [1, { [`k${NUL}`]: 'ok', b: `x${LONE_HIGH}` }] }, ['body'])).toEqual([
      expect.objectContaining({ path: ['body', 'a', 1, `k${NUL}`], code: 'unstorable_text' }),
      expect.objectContaining({ path: ['body', 'a', 1, 'b'], code: 'unstorable_text' }),
    ]);
    expect(hostileJsonIssues(nested(MAX_JSON_DEPTH - 1), ['body'])).toEqual([]);
    const deep = hostileJsonIssues(nested(200_000), ['body']);
    expect(deep).toHaveLength(1);
    expect(deep[0]!.code).toBe('too_deep');
    expect(deep[0]!.path).toHaveLength(1 + MAX_JSON_DEPTH);
  });
});

describeEachDatabase('hostile input through the API', (getDb) => {
  it('answers 400 (not 500) to NUL and lone surrogates in the login, a key name and list filters', async () => {
    const api = await apiWorkspace(getDb(), NOW);
    const app = api.app;
    const post = (path: string, body: unknown, key?: string) =>
      app.request(path, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(key === undefined ? {} : { Authorization: `Bearer ${key}` }),
        },
        body: JSON.stringify(body),
      });
    for (const bad of [NUL, LONE_HIGH, LONE_LOW]) {
      const login = await post('/api/v1/auth/login', { workspace: 'x', email: `a${bad}@b.c`, password: 'p' });
      expect(login.status).toBe(400);
      expect(await login.json()).toMatchObject({
        error: { code: 'invalid_input', issues: [{ path: ['body', 'email'] }] },
      });
      const key = await post('/api/v1/api-keys', { name: `key${bad}`, role: 'analyst' }, api.keys.owner);
      expect(key.status).toBe(400);
    }
    // In a URL: NUL percent-encoded, and a lone surrogate as its (invalid) UTF-8 bytes.
    for (const encoded of ['%00', '%ED%A0%BD', '%FF']) {
      for (const path of ['/api/v1/customers?q=x', '/api/v1/events?name=x']) {
        const listed = await api.request(`${path}${encoded}`);
        expect(listed.status, `${path}${encoded}`).toBe(400);
        expect(listed.body.error.issues[0].path[0]).toBe('query');
      }
    }
    // Nothing was written: the workspace still has one key per role.
    expect((await api.request('/api/v1/api-keys', { role: 'owner' })).body.apiKeys).toHaveLength(5);
  });

  it('answers 400 to JSON nested 5,000 deep (30 KB) instead of overflowing the stack', async () => {
    const api = await apiWorkspace(getDb(), NOW);
    const response = await api.app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${api.keys.owner}` },
      // Written by hand: JSON.stringify itself overflows on such a value.
      body: `{"name":"deep","role":"analyst","extra":${'{"next":'.repeat(5_000)}"leaf"${'}'.repeat(5_000)}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { issues: [{ code: 'too_deep' }] } });
  });
});
