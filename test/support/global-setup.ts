import { randomBytes } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import type * as Testcontainers from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { z } from 'zod';

// Jest runs this file outside its module system, where workspace and
// relative TypeScript imports do not resolve: it imports npm packages only.
/** Where the test run's Redis and Postgres are. */
export interface ServiceUrls {
  readonly redisUrl: string;
  /** A URL of an existing database the run may create and drop databases from. */
  readonly databaseUrl: string;
  /** Stops anything started for the run. */
  readonly stop: () => Promise<void>;
}

/**
 * How the run's containers are made, when it makes any (docs/containers.md).
 * Test-harness knobs, not settings of the product: nothing in packages/ reads them.
 */
const containerOptions = z.object({
  /**
   * `official`: Docker Hub's images with their own start commands and mapped ports.
   * `local`: the image scripts/test-images.sh builds, on host networking with free loopback ports.
   */
  LW_TEST_CONTAINERS: z.enum(['official', 'local']).default('official'),
  /** Redis image in `official` mode. */
  LW_TEST_REDIS_IMAGE: z.string().min(1).default('redis:7'),
  /** Postgres image in `official` mode. */
  LW_TEST_POSTGRES_IMAGE: z.string().min(1).default('postgres:15'),
  /** The image holding both redis-server and PostgreSQL 15 in `local` mode. */
  LW_TEST_SERVICES_IMAGE: z.string().min(1).default('letta-webhooks/test-services:bookworm'),
});
type ContainerOptions = z.infer<typeof containerOptions>;

/** Every container of a run carries it, so a crashed run's leftovers can be found and removed. */
export const TEST_CONTAINER_LABEL = 'letta-webhooks.test-run';

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

// private-redis.ts's freePort, which this file cannot import (see above).
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * REDIS_URL and DATABASE_URL when set; otherwise containers, when a Docker
 * engine answers; otherwise an error saying what to set.
 */
export async function resolveServices(): Promise<ServiceUrls> {
  const redisUrl = process.env.REDIS_URL;
  const databaseUrl = process.env.DATABASE_URL;
  if (redisUrl && databaseUrl) return { redisUrl, databaseUrl, stop: () => Promise.resolve() };
  if (!dockerAnswers()) {
    throw new Error(
      'Tests need Redis and Postgres. Set REDIS_URL (e.g. redis://127.0.0.1:6379) and DATABASE_URL ' +
        '(e.g. postgres://postgres@127.0.0.1:5432/postgres), or run a Docker engine for testcontainers ' +
        '(docs/containers.md).',
    );
  }
  const parsed = containerOptions.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${String(issue?.path[0])}: ${issue?.message ?? 'invalid'}`);
  }
  const options = parsed.data;
  if (options.LW_TEST_CONTAINERS === 'local') {
    // No registry to pull the reaper image from, and no bridge network for
    // testcontainers to find the engine's host address on.
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
    process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  }
  const tc = await import('testcontainers');
  const labels = { [TEST_CONTAINER_LABEL]: String(process.pid) };
  const starts: Promise<[StartedTestContainer, string]>[] = [];
  if (!redisUrl) starts.push(startRedis(tc, options, labels));
  if (!databaseUrl) starts.push(startPostgres(tc, options, labels));
  const settled = await Promise.allSettled(starts);
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value[0]] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((container) => container.stop({ timeout: 2_000 })));
  };
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const urls = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value[1]] : []));
  return {
    redisUrl: redisUrl ?? urls.find((url) => url.startsWith('redis:')) ?? '',
    databaseUrl: databaseUrl ?? urls.find((url) => url.startsWith('postgres:')) ?? '',
    stop,
  };
}

type TestContainers = typeof Testcontainers;

async function startRedis(
  tc: TestContainers,
  options: ContainerOptions,
  labels: Record<string, string>,
): Promise<[StartedTestContainer, string]> {
  if (options.LW_TEST_CONTAINERS === 'local') {
    const [container, port] = await startLocal(
      tc,
      options,
      labels,
      (port) => [
        'redis-server',
        '--port',
        port,
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      /Ready to accept connections/,
    );
    return [container, `redis://127.0.0.1:${port}`];
  }
  const container = await new tc.GenericContainer(options.LW_TEST_REDIS_IMAGE)
    .withLabels(labels)
    .withExposedPorts(6379)
    .start();
  return [container, `redis://${container.getHost()}:${container.getMappedPort(6379)}`];
}

async function startPostgres(
  tc: TestContainers,
  options: ContainerOptions,
  labels: Record<string, string>,
): Promise<[StartedTestContainer, string]> {
  if (options.LW_TEST_CONTAINERS === 'local') {
    const bin = '/usr/lib/postgresql/15/bin';
    // fsync off: a test database need not survive the machine crashing, and
    // every test file's CREATE DATABASE … TEMPLATE would otherwise wait on it.
    const [container, port] = await startLocal(
      tc,
      options,
      labels,
      (port) => [
        'su',
        'postgres',
        '-c',
        `${bin}/initdb -D /tmp/pgdata -A trust -U postgres >/dev/null && ` +
          `exec ${bin}/postgres -D /tmp/pgdata -p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off`,
      ],
      /database system is ready to accept connections/,
    );
    return [container, `postgres://postgres@127.0.0.1:${port}/postgres`];
  }
  const container = await new tc.GenericContainer(options.LW_TEST_POSTGRES_IMAGE)
    .withLabels(labels)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    // The image's entrypoint starts a server once to initialise, then the real one.
    .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  return [
    container,
    `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
  ];
}

/**
 * The local services image on host networking (no bridge, NAT or port
 * mapping: the CI engine runs without them), listening on a free loopback
 * port; ready when its log shows `ready`.
 */
async function startLocal(
  tc: TestContainers,
  options: ContainerOptions,
  labels: Record<string, string>,
  command: (port: string) => string[],
  ready: RegExp,
): Promise<[StartedTestContainer, number]> {
  const port = await freePort();
  const container = await new tc.GenericContainer(options.LW_TEST_SERVICES_IMAGE)
    .withNetworkMode('host')
    .withLabels(labels)
    .withCommand(command(String(port)))
    .withWaitStrategy(tc.Wait.forLogMessage(ready))
    .withStartupTimeout(60_000)
    .start();
  return [container, port];
}

function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

declare global {
  var __lettaTestServices: ServiceUrls | undefined;
}

/**
 * Once per run: find Redis and Postgres, build a migrated template database
 * that every test file clones, and drop what crashed runs left behind.
 */
export default async function globalSetup(): Promise<void> {
  const services = await resolveServices();
  globalThis.__lettaTestServices = services;
  try {
    await prepare(services);
  } catch (error) {
    // Jest runs no global teardown after a failed setup.
    await services.stop();
    throw error;
  }
}

async function prepare(services: ServiceUrls): Promise<void> {
  await dropOrphans(services.databaseUrl);
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const template = `lw_test_${runId}_template`;
  await adminQuery(services.databaseUrl, `CREATE DATABASE "${template}"`);
  // Through the CLI, in a child process: global setup runs outside jest's
  // module system, and this also exercises `letta-webhooks migrate`.
  await promisify(execFile)(process.execPath, ['packages/cli/bin/letta-webhooks.js', 'migrate'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrlFor(services.databaseUrl, template),
      WEBHOOK_SECRET_ENCRYPTION_KEYS: `setup:${randomBytes(32).toString('base64')}`,
    },
  });
  process.env.LW_TEST_RUN_ID = runId;
  process.env.LW_TEST_TEMPLATE = template;
  process.env.LW_TEST_DATABASE_URL = services.databaseUrl;
  process.env.LW_TEST_REDIS_URL = services.redisUrl;
}

// Databases of runs whose process is gone (killed mid-run).
async function dropOrphans(databaseUrl: string): Promise<void> {
  const rows = await adminQuery<{ datname: string }>(
    databaseUrl,
    "SELECT datname FROM pg_database WHERE datname LIKE 'lw\\_test\\_%'",
  );
  for (const { datname } of rows) {
    const pid = Number(/^lw_test_(\d+)_/.exec(datname)?.[1]);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    await adminQuery(databaseUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
