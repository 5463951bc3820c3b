import { randomBytes } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

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

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
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
        '(e.g. postgres://postgres@127.0.0.1:5432/postgres), or run a Docker engine for testcontainers.',
    );
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const started: { stop: () => Promise<unknown> }[] = [];
  let redis = redisUrl;
  let database = databaseUrl;
  if (!redis) {
    const container = await new GenericContainer('redis:7').withExposedPorts(6379).start();
    started.push(container);
    redis = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  }
  if (!database) {
    const container = await new GenericContainer('postgres:15')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(container);
    database = `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  }
  return {
    redisUrl: redis,
    databaseUrl: database,
    stop: async () => {
      await Promise.all(started.map((container) => container.stop()));
    },
  };
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
  await dropOrphans(services.databaseUrl);
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const template = `lw_test_${runId}_template`;
  await adminQuery(services.databaseUrl, `CREATE DATABASE "${template}"`);
  // Through the CLI, in a child process: global setup runs outside jest's
  // module system, and this also exercises `letta-webhooks migrate`.
  await promisify(execFile)(
    process.execPath,
    ['packages/worker/bin/letta-webhooks.js', 'migrate'],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrlFor(services.databaseUrl, template),
        WEBHOOK_SECRET_ENCRYPTION_KEYS: `setup:${randomBytes(32).toString('base64')}`,
      },
    },
  );
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
