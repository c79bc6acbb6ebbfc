/**
 * Secrets of the e-mail capability: the install key's encryption of a workspace's SMTP URL (its
 * password) at rest, the signed tokens of unsubscribe, open and click links, and the hash that
 * names a suppressed address.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** The AES-256 key derived from the install's `RETAIN_SECRET_KEY` (domain-separated SHA-256). */
function keyOf(secretKey: string): Buffer {
  return createHash('sha256').update(`retain-email-smtp:${secretKey}`).digest();
}

/**
 * Encrypts `text` with AES-256-GCM under the install key: `v1.<iv>.<tag>.<ciphertext>` (base64url),
 * a fresh 96-bit IV each time. Example: `encryptSecret('smtp://u:p@h', key)` → `'v1.…'`.
 */
export function encryptSecret(text: string, secretKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secretKey), iv);
  const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

/** Decrypts `encryptSecret`'s output; `null` when the key is not the one it was encrypted with. */
export function decryptSecret(sealed: string, secretKey: string): string | null {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || ciphertext === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secretKey), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}

/** A fresh 256-bit signing secret (base64url). */
export function newSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The normalised form of an address: trimmed, lower-cased (the whole address; RFC 5321 allows
 * case-sensitive local parts, but no mainstream provider uses them, and a suppression must match). */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** SHA-256 (hex) of the normalised address: how the suppression list names an address. */
export function addressHash(address: string): string {
  return createHash('sha256').update(normalizeAddress(address)).digest('hex');
}

/** What a link token names: an unsubscribe, an open or a click (with its target) of a message. */
export type LinkToken =
  | { readonly kind: 'u' | 'o'; readonly workspaceId: number; readonly messageId: number }
  | { readonly kind: 'c'; readonly workspaceId: number; readonly messageId: number; readonly url: string };

/** Bytes of HMAC-SHA256 kept in a token (128 bits: forging one is out of reach). */
const SIGNATURE_BYTES = 16;
/** Longest token accepted (a click token carries its URL). */
export const MAX_TOKEN_CHARS = 4_096;

function signature(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, SIGNATURE_BYTES);
}

/**
 * A signed token for a link: `<payload>.<signature>`, base64url, the payload the JSON of
 * `[kind, workspaceId, messageId, url?]`, the signature HMAC-SHA256 under the workspace's signing
 * secret. Example: `signLink({ kind: 'u', workspaceId: 1, messageId: 9 }, secret)` → `'WyJ1IiwxLDld.…'`.
 */
export function signLink(token: LinkToken, secret: string): string {
  const parts: unknown[] = [token.kind, token.workspaceId, token.messageId];
  if (token.kind === 'c') parts.push(token.url);
  const payload = Buffer.from(JSON.stringify(parts)).toString('base64url');
  return `${payload}.${signature(payload, secret).toString('base64url')}`;
}

/** The unverified claims of a token (to find the workspace whose secret verifies it), or null. */
export function readLink(
  token: string,
): { readonly claims: LinkToken; readonly payload: string; readonly signature: string } | null {
  if (token.length > MAX_TOKEN_CHARS) return null;
  const [payload, sent, extra] = token.split('.');
  if (payload === undefined || sent === undefined || extra !== undefined) return null;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parts)) return null;
  const [kind, workspaceId, messageId, url] = parts as unknown[];
  if (!Number.isSafeInteger(workspaceId) || !Number.isSafeInteger(messageId)) return null;
  const ws = workspaceId as number;
  const id = messageId as number;
  if ((kind === 'u' || kind === 'o') && parts.length === 3) {
    return { claims: { kind, workspaceId: ws, messageId: id }, payload, signature: sent };
  }
  if (kind === 'c' && parts.length === 4 && typeof url === 'string') {
    return { claims: { kind, workspaceId: ws, messageId: id, url }, payload, signature: sent };
  }
  return null;
}

/**
 * Whether `read`'s signature is the one `secret` makes for its payload, compared as text in
 * constant time (so only the canonical spelling passes: base64url's last character carries spare
 * bits that decoding would ignore).
 */
export function linkSignatureValid(read: { payload: string; signature: string }, secret: string): boolean {
  const expected = Buffer.from(signature(read.payload, secret).toString('base64url'));
  const sent = Buffer.from(read.signature);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
