/**
 * Serving the app over HTTP with `@hono/node-server`, and closing it gracefully: stop accepting
 * connections, let the requests in flight finish, then resolve.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/index.js';

export interface ServeOptions {
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
  /** Interface to bind (default all). */
  readonly hostname?: string;
}

/** A listening server: its actual port and URL, and a graceful `close()`. */
export interface RunningServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting, waits for in-flight requests, closes idle keep-alive sockets. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts listening and resolves once the port is bound.
 * Example: `const server = await serveApp(buildApp(services), { port: 3000 }); … await server.close();`
 */
export function serveApp(app: OpenAPIHono<AppEnv>, options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port, ...(options.hostname ? { hostname: options.hostname } : {}) },
      (info: AddressInfo) => {
        let closing: Promise<void> | undefined;
        resolve({
          port: info.port,
          url: `http://localhost:${info.port}`,
          close: () => {
            closing ??= new Promise<void>((done, fail) => {
              server.close((error) => (error ? fail(error) : done()));
              // Keep-alive sockets with no request in flight would hold close() open.
              if ('closeIdleConnections' in server) server.closeIdleConnections();
            });
            return closing;
          },
        });
      },
    );
    server.once('error', reject);
  });
}
