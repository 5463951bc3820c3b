import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookError, withTimeout } from '@letta-webhooks/shared';
import type { Registry } from 'prom-client';

/** One readiness check: resolves when the dependency answers. */
export type ReadinessCheck = () => Promise<void>;

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly registry: Registry;
  /** Named checks for `/readyz`; each must resolve within `checkTimeoutMs`. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Default 2000. */
  readonly checkTimeoutMs?: number;
}

/** A running admin server. */
export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

async function within(check: ReadinessCheck, ms: number): Promise<string> {
  try {
    return (await withTimeout(check(), ms)).timedOut ? `no answer within ${ms} ms` : 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The worker's admin HTTP server: `/metrics` (Prometheus), `/healthz` (the
 * process is alive) and `/readyz` (Redis and Postgres answer, the worker is
 * running; 503 with the failing checks otherwise).
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      void (async () => {
        const entries = await Promise.all(
          Object.entries(options.checks).map(
            async ([name, check]) =>
              [name, await within(check, options.checkTimeoutMs ?? 2_000)] as const,
          ),
        );
        const checks = Object.fromEntries(entries);
        const ready = entries.every(([, result]) => result === 'ok');
        res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }));
      })();
      return;
    }
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'Content-Type': options.registry.contentType }).end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(500).end(error instanceof Error ? error.message : String(error));
        });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * The error a worker fails with when its admin server cannot listen (port in
 * use, address not on this host): a settings problem, so the CLI exits 2.
 */
export function adminListenError(
  where: { readonly host: string; readonly port: number },
  error: unknown,
): WebhookError {
  const code = (error as { code?: unknown }).code;
  const reason =
    typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return new WebhookError({
    code: 'INVALID_SETTINGS',
    field: 'WEBHOOK_ADMIN_PORT',
    message: `the admin server cannot listen on ${where.host}:${where.port} (${reason}); set WEBHOOK_ADMIN_PORT to a free port, 0 for any, or off`,
    cause: error,
  });
}
