import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli } from '../../../test/support/cli.js';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { startPrivateRedis } from '../../../test/support/private-redis.js';

let ctx: TestContext;
let occupied: Server;
let port: number;

beforeAll(async () => {
  ctx = await createTestContext();
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  port = (occupied.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) =>
    occupied.close(() => {
      resolve();
    }),
  );
  await ctx.cleanup();
});

describe('worker start-up settings', () => {
  it('exits 2 with one line when the admin server cannot listen', async () => {
    const result = await runCli(['worker'], {
      ...ctx.env,
      WEBHOOK_ADMIN_PORT: String(port),
      WEBHOOK_ADMIN_HOST: '127.0.0.1',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `error: the admin server cannot listen on 127.0.0.1:${port} (EADDRINUSE); set WEBHOOK_ADMIN_PORT to a free port, 0 for any, or off`,
    ]);
  });

  it('refuses an admin host that is neither an IP address nor a host name', async () => {
    const result = await runCli(['worker'], { ...ctx.env, WEBHOOK_ADMIN_HOST: 'nonsense!' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'error: invalid settings:',
      '  WEBHOOK_ADMIN_HOST: must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::) or a host name',
    ]);
  });

  it('refuses blank and hexadecimal numbers, one line per variable', async () => {
    const result = await runCli(['worker'], {
      ...ctx.env,
      WEBHOOK_WORKER_CONCURRENCY: ' ',
      WEBHOOK_ADMIN_PORT: '0x10',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'error: invalid settings:',
      '  WEBHOOK_WORKER_CONCURRENCY: must be a whole decimal number',
      '  WEBHOOK_ADMIN_PORT: must be a port number (0 picks a free port) or "off"',
    ]);
  });

  it('exits 2 with one line when Redis may evict keys', async () => {
    const redis = await startPrivateRedis(['--maxmemory-policy', 'volatile-lru']);
    try {
      const result = await runCli(['worker'], { ...ctx.env, REDIS_URL: redis.url });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^error: Redis .* maxmemory-policy volatile-lru.*noeviction/),
      ]);
    } finally {
      await redis.stop();
    }
  });
});

describe('encryption at rest by default', () => {
  it.each([['worker'], ['api'], ['endpoints', 'list'], ['migrate']])(
    '`%s` exits 2 with one line without WEBHOOK_SECRET_ENCRYPTION_KEYS',
    async (...args: string[]) => {
      const result = await runCli(args, {
        ...ctx.env,
        WEBHOOK_SECRET_ENCRYPTION_KEYS: '',
        WEBHOOK_API_PORT: '0',
      });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^error: WEBHOOK_SECRET_ENCRYPTION_KEYS is not set: .*WEBHOOK_ALLOW_PLAINTEXT_SECRETS=true/,
        ),
      ]);
    },
  );

  it('starts with plaintext secrets when explicitly allowed', async () => {
    const result = await runCli(['--json', 'endpoints', 'list'], {
      ...ctx.env,
      WEBHOOK_SECRET_ENCRYPTION_KEYS: '',
      WEBHOOK_ALLOW_PLAINTEXT_SECRETS: 'true',
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ data: [] });
  });
});
