/**
 * SMTP through nodemailer: one pooled transport per SMTP URL, kept for the process (a pool keeps
 * connections open and pipelines messages over them, which is what makes hundreds of messages a
 * second possible), with timeouts short enough that a stuck server cannot hold a send for long.
 */
import nodemailer, { type Transporter } from 'nodemailer';

const transports = new Map<string, Transporter>();

/** Longest wait for the connection, the greeting, and any reply, ms. */
export const SMTP_TIMEOUT_MS = 30_000;

/** The pooled transport of `url` (made on first use). */
export function transportFor(url: string): Transporter {
  let transport = transports.get(url);
  if (transport === undefined) {
    const options = nodemailer.createTransport(url).options as Record<string, unknown>;
    transport = nodemailer.createTransport({
      ...options,
      pool: true,
      maxConnections: 8,
      maxMessages: 1_000,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    });
    transports.set(url, transport);
  }
  return transport;
}

/** Closes every pooled transport (server shutdown, the end of a test). */
export function closeTransports(): void {
  for (const transport of transports.values()) transport.close();
  transports.clear();
}
