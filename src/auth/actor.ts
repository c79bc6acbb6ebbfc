import type { AuditActor } from '../audit/index.js';
import type { AuthContext } from '../http/index.js';

/** Who to name in the audit log for a request: the logged-in user, or the API key. */
export function actorOf(auth: AuthContext): AuditActor {
  if (auth.via === 'session' && auth.userId !== null) return { type: 'user', id: auth.userId };
  if (auth.apiKeyId !== null) return { type: 'api_key', id: auth.apiKeyId };
  return { type: 'system' };
}
