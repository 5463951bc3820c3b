import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { healthcheck, servedCommand } from '../src/healthcheck.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A listener whose /readyz answers `status`; returns its port. */
async function readyz(status: number): Promise<number> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/readyz' ? status : 404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const API = ['node', '/app/bin/letta-webhooks.js', 'api', ''];
const WORKER = ['node', '/app/bin/letta-webhooks.js', 'worker', ''];

describe('the image HEALTHCHECK (letta-webhooks healthcheck.js)', () => {
  it('tells the API from the worker by the main process command line', () => {
    expect(servedCommand(API)).toBe('api');
    expect(servedCommand(WORKER)).toBe('worker');
    expect(servedCommand(['/sbin/docker-init', '--', ...API])).toBe('api');
    expect(servedCommand(['node', '/app/bin/letta-webhooks.js', 'api-keys', 'list'])).toBe(
      'worker',
    );
  });

  it("asks the API's /readyz for `api` and the admin server's for the worker, on their configured ports", async () => {
    const ok = await readyz(200);
    const stopping = await readyz(503);
    const env = (api: number, admin: number) => ({
      WEBHOOK_API_PORT: String(api),
      WEBHOOK_ADMIN_PORT: String(admin),
      WEBHOOK_API_HOST: '0.0.0.0',
      WEBHOOK_ADMIN_HOST: '127.0.0.1',
    });
    expect(await healthcheck({ argv: API, env: env(ok, stopping) })).toBe(0);
    expect(await healthcheck({ argv: API, env: env(stopping, ok) })).toBe(1);
    expect(await healthcheck({ argv: WORKER, env: env(stopping, ok) })).toBe(0);
    expect(await healthcheck({ argv: WORKER, env: env(ok, stopping) })).toBe(1);
    expect(await healthcheck({ argv: WORKER, env: { WEBHOOK_ADMIN_PORT: 'off' } })).toBe(1);
  });

  it('counts nothing listening, or no answer in time, as unhealthy', async () => {
    const gone = await readyz(200);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const silent = createServer(() => undefined); // accepts, never answers
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    expect(await healthcheck({ argv: API, env: { WEBHOOK_API_PORT: String(gone) } })).toBe(1);
    const started = Date.now();
    expect(
      await healthcheck({ argv: API, env: { WEBHOOK_API_PORT: String(port) }, timeoutMs: 200 }),
    ).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
