/** Loyalty route-test support: JSON requests to the app as one of the workspace's roles. */
import type { Role } from '../../src/auth/index.js';
import type { ApiWorkspace } from '../customers/api.js';

/** `call(method, path, body?, role?)` → `{ status, body, headers }` (role: marketer by default). */
export function jsonCaller(api: ApiWorkspace) {
  return async (method: string, path: string, body?: unknown, role: Role = 'marketer') => {
    const response = await api.app.request(path, {
      method,
      headers: {
        Authorization: `Bearer ${api.keys[role]}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted shape by shape.
    const parsed: any = text === '' ? null : JSON.parse(text);
    return { status: response.status, body: parsed, headers: response.headers };
  };
}
