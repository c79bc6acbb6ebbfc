/**
 * What the install sets for e-mail, read from the environment (docs/operations.md, "E-mail"):
 * - `SMTP_URL`: the SMTP server of the whole install (`smtp://user:pass@host:587`,
 *   `smtps://…:465`); none: messages go to the built-in outbox, stored and not sent.
 * - `RETAIN_PUBLIC_URL`: where recipients reach this server (unsubscribe page, open pixel, click
 *   redirects), e.g. `https://retain.example.com`; default `http://localhost:3000`.
 * - `RETAIN_SECRET_KEY`: the install key encrypting a workspace's own SMTP URL at rest; without it
 *   a workspace cannot store one.
 * - `RETAIN_EMAIL_FROM`: the sender when a workspace names none (default `retain@localhost`).
 */

export interface EmailEnvironment {
  readonly smtpUrl: string | null;
  readonly publicUrl: string;
  readonly secretKey: string | null;
  readonly defaultFrom: string;
}

/** `SMTP_URL` and friends from `env` (default the process's), unset and empty alike absent. */
export function emailEnvironment(env: NodeJS.ProcessEnv = process.env): EmailEnvironment {
  const value = (name: string): string | null => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? null : text;
  };
  const smtpUrl = value('SMTP_URL');
  if (smtpUrl !== null && !isSmtpUrl(smtpUrl)) {
    throw new RangeError('SMTP_URL: expected smtp://user:pass@host:port or smtps://…');
  }
  const publicUrl = (value('RETAIN_PUBLIC_URL') ?? 'http://localhost:3000').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(publicUrl)) {
    throw new RangeError(`RETAIN_PUBLIC_URL: expected an http(s) URL, got "${publicUrl}"`);
  }
  return {
    smtpUrl,
    publicUrl,
    secretKey: value('RETAIN_SECRET_KEY'),
    defaultFrom: value('RETAIN_EMAIL_FROM') ?? 'retain@localhost',
  };
}

/** Whether `url` is an SMTP URL nodemailer takes (`smtp:` or `smtps:` with a host). */
export function isSmtpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'smtp:' || parsed.protocol === 'smtps:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}
