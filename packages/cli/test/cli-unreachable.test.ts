import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli } from '../../../test/support/cli.js';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { freePort } from '../../../test/support/private-redis.js';

// Bounds are relative to how long the bin takes to print its help on this
// machine now (seconds under load), plus slack.
let startUpMs = 0;
const refusedBound = () => startUpMs + 6_000;
// The probes' timeout (5 s) on top.
const silentBound = () => startUpMs + 5_000 + 4_000;

let ctx: TestContext;
let closedPort: number;
let silent: Server;
let silentPort: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  closedPort = await freePort();
  // Accepts connections and never answers: a service that hangs.
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as AddressInfo).port;
  for (let i = 0; i < 2; i++)
    startUpMs = Math.max(startUpMs, (await runCli(['--help'], ctx.env)).ms);
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await ctx.cleanup();
});

const pgAt = (port: number) => `postgres://postgres@127.0.0.1:${String(port)}/postgres`;
const redisAt = (port: number) => `redis://127.0.0.1:${String(port)}`;

describe('CLI with Postgres or Redis unreachable', () => {
  it.each([['endpoints', 'list'], ['migrate'], ['stats'], ['deliveries', 'show', 'dlv_x']])(
    '`%s` exits 6 with one line naming Postgres when it refuses connections',
    async (...args: string[]) => {
      const result = await runCli(args, { ...ctx.env, DATABASE_URL: pgAt(closedPort) });
      expect(result.code).toBe(6);
      expect(result.stderr.trim().split('\n')).toEqual([
        `error: Postgres unreachable at 127.0.0.1:${String(closedPort)} (ECONNREFUSED)`,
      ]);
      expect(result.stdout).toBe('');
      expect(result.ms).toBeLessThan(refusedBound());
    },
  );

  it('exits 6 within the connect timeout when Postgres accepts but never answers', async () => {
    const result = await runCli(['--json', 'endpoints', 'list'], {
      ...ctx.env,
      DATABASE_URL: pgAt(silentPort),
    });
    expect(result.code).toBe(6);
    expect(JSON.parse(result.stderr)).toMatchObject({
      error: { code: 'DATABASE_UNAVAILABLE', field: null },
    });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.ms).toBeLessThan(silentBound());
  }, 30_000);

  it('exits 6 naming Redis for commands that need it, writing nothing', async () => {
    for (const port of [closedPort, silentPort]) {
      const env = { ...ctx.env, REDIS_URL: redisAt(port) };
      const stats = await runCli(['stats'], env);
      expect(stats.code).toBe(6);
      expect(stats.stderr).toMatch(
        new RegExp(`^error: Redis unreachable at 127\\.0\\.0\\.1:${String(port)} \\(.+\\)\\n$`),
      );
      expect(stats.ms).toBeLessThan(port === silentPort ? silentBound() : refusedBound());
      const create = await runCli(
        ['endpoints', 'create', '--url', 'http://127.0.0.1:9/x', '--org', 'org-r', '--events', '*'],
        env,
      );
      expect(create.code).toBe(6);
      expect(create.stderr).toMatch(/^error: Redis unreachable/);
    }
    expect(
      await ctx.db
        .selectFrom('webhook_endpoints')
        .select('id')
        .where('organization_id', '=', 'org-r')
        .execute(),
    ).toEqual([]);
  }, 60_000);

  it('runs commands that do not need Redis without waiting for it', async () => {
    const env = { ...ctx.env, REDIS_URL: redisAt(silentPort) };
    for (const args of [
      ['--json', 'endpoints', 'list'],
      ['--json', 'deliveries', 'list'],
    ]) {
      const result = await runCli(args, env);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ data: [] });
      // Before: the result, then no exit at all.
      expect(result.ms).toBeLessThan(silentBound());
    }
  }, 30_000);
});
