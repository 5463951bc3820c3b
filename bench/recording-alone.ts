// The recording statement alone, on one Postgres backend: the backend's CPU
// per recorded delivery (/proc/PID/task/*/schedstat), for settling durable
// publishes' deliveries in batches, the way a worker under load does. No
// worker, Redis or receiver: only the statement's own cost, so a change to it
// (or to the triggers and indexes it meets) can be A/B-tested in seconds.
//
//   npx tsx bench/recording-alone.ts [deliveries=20000] [batch=25] [rounds=3]
//
// RECORDING_CONNECTIONS=N sends the batches round-robin over N connections
// (as a pool would), RECORDING_VACUUM=1 vacuums the tables after setting up,
// RECORDING_PLANS=1 prints each connection's generic/custom plan counts.
import { freshDatabase } from '../scripts/fresh-database.js';
import { loadSettings, type DeliveryJobData } from '@letta-webhooks/shared';
import pg from 'pg';
import { processCpuMicros } from './cpu.js';
import type { AttemptRecord } from '../packages/worker/src/recording/delivery-recorder.js';
import * as current from '../packages/worker/src/recording/record-attempts-statement.js';

// RECORDING_VARIANTS=current,path,…: modules exporting RECORD_ATTEMPTS, recordAttemptsValues and
// optionally SETUP_SQL (applied after the migrations); run alternately, each in a database of its own.
interface Variant {
  readonly name: string;
  readonly RECORD_ATTEMPTS: { name: string; text: string };
  readonly recordAttemptsValues: (records: readonly AttemptRecord[], ms: number) => unknown[];
  readonly SETUP_SQL?: string;
}
const variants: Variant[] = await Promise.all(
  (process.env.RECORDING_VARIANTS ?? 'current').split(',').map(async (name) =>
    name === 'current'
      ? { name, ...current }
      : {
          name,
          ...((await import(new URL(name, `file://${process.cwd()}/`).href)) as Omit<
            Variant,
            'name'
          >),
        },
  ),
);

const [deliveries = 20_000, batch = 25, rounds = 3] = process.argv.slice(2).map(Number);
const ENDPOINTS = 100;
const BODY = JSON.stringify({ pad: 'x'.repeat(900) });

const id = (prefix: string, n: number) =>
  `${prefix}_${n.toString(32).padStart(26, '0').toUpperCase()}`;

async function setUp(client: pg.Client): Promise<DeliveryJobData[]> {
  await client.query(`
    INSERT INTO webhook_endpoints (id, organization_id, agent_id, url, event_types, secret)
    SELECT 'ep_' || lpad(i::text, 26, '0'), 'org-bench', 'agent-fan', 'http://127.0.0.1/ok', '{*}', 'x'
    FROM generate_series(1, ${ENDPOINTS}) i`);
  const jobs: DeliveryJobData[] = [];
  const events = Math.ceil(deliveries / ENDPOINTS);
  const occurredAt = new Date().toISOString();
  for (let e = 0; e < events; e++)
    for (let p = 1; p <= ENDPOINTS; p++)
      jobs.push({
        deliveryId: id('dlv', e * ENDPOINTS + p),
        eventId: id('evt', e),
        endpointId: `ep_${String(p).padStart(26, '0')}`,
        eventType: 'agent.step.completed',
        agentId: 'agent-fan',
        organizationId: 'org-bench',
        occurredAt,
        body: BODY,
        trigger: 'scheduled',
        stored: true,
      });
  // As a durable publish commits them: events, then their deliveries pending and enqueued.
  for (let i = 0; i < jobs.length; i += 2_000) {
    const slice = jobs.slice(i, i + 2_000);
    await client.query(
      `INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
       SELECT DISTINCT e, 'agent.step.completed', 'org-bench', 'agent-fan', $2, now() FROM unnest($1::text[]) e
       ON CONFLICT DO NOTHING`,
      [slice.map((j) => j.eventId), BODY],
    );
    await client.query(
      `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id, status, enqueued_at)
       SELECT d, e, p, 'agent.step.completed', 'org-bench', 'agent-fan', 'pending', now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t(d, e, p)`,
      [slice.map((j) => j.deliveryId), slice.map((j) => j.eventId), slice.map((j) => j.endpointId)],
    );
  }
  // As in a busy deployment without a recent vacuum (RECORDING_VACUUM=1: vacuumed and analysed first).
  if (process.env.RECORDING_VACUUM === '1') await client.query('VACUUM ANALYZE');
  return jobs;
}

function record(job: DeliveryJobData): AttemptRecord {
  return {
    job,
    stored: true,
    attemptNumber: 1,
    trigger: 'scheduled',
    result: {
      startedAt: new Date(),
      durationMs: 3,
      statusCode: 200,
      excerpt: 'ok',
      truncated: false,
    },
    verdict: { outcome: 'succeeded', endpointGone: false, errorKind: null, errorMessage: null },
    status: 'succeeded',
    nextAttemptAt: null,
  };
}

async function measure(url: string, v: Variant): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // RECORDING_CONNECTIONS=N: statements go round-robin over N fresh connections (a pool's rotation).
  const others = await Promise.all(
    Array.from({ length: Number(process.env.RECORDING_CONNECTIONS ?? 1) - 1 }, async () => {
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      return other;
    }),
  );
  const clients = [client, ...others];
  try {
    await client.query(
      'TRUNCATE webhook_attempts, webhook_deliveries, webhook_events, webhook_endpoints CASCADE',
    );
    const jobs = await setUp(client);
    const pids = await Promise.all(
      clients.map(
        async (c) =>
          (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0,
      ),
    );
    const cpu = async () => {
      let sum = 0;
      for (const pid of pids) sum += (await processCpuMicros(pid)) ?? Number.NaN;
      return sum;
    };
    let turn = 0;
    const write = (from: number, to: number) =>
      clients[turn++ % clients.length]?.query({
        ...v.RECORD_ATTEMPTS,
        values: v.recordAttemptsValues(jobs.slice(from, to).map(record), 0),
      });
    // Warm-up: parse and plan once, as a pooled connection does.
    const warm = Math.min(500, jobs.length / 10);
    for (let i = 0; i < warm; i += batch) await write(i, Math.min(warm, i + batch));
    const before = await cpu();
    for (let i = warm; i < jobs.length; i += batch) await write(i, i + batch);
    const used = (await cpu()) - before;
    const check = await client.query<{ settled: string; queued: string; attempts: string }>(
      `SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded') AS settled,
              (SELECT count(*) FROM webhook_delivery_queue) AS queued,
              (SELECT count(*) FROM webhook_attempts) AS attempts`,
    );
    const c = check.rows[0];
    const plans = await client.query<{ name: string; generic_plans: string; custom_plans: string }>(
      'SELECT name, generic_plans, custom_plans FROM pg_prepared_statements',
    );
    if (process.env.RECORDING_PLANS === '1')
      process.stdout.write(`${JSON.stringify(plans.rows)}\n`);
    if (
      c?.settled !== String(jobs.length) ||
      c.queued !== '0' ||
      c.attempts !== String(jobs.length)
    )
      throw new Error(`${v.name}: wrong end state ${JSON.stringify(c)}`);
    return used / (jobs.length - warm);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function main() {
  const adminUrl = loadSettings().databaseUrl;
  const urls = new Map<Variant, string>();
  for (const [i, v] of variants.entries()) {
    const url = await freshDatabase(adminUrl, `lw_recording_alone_${String(i)}`);
    if (v.SETUP_SQL) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(v.SETUP_SQL);
      await client.end();
    }
    urls.set(v, url);
  }
  const results = new Map<Variant, number[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++)
    for (const v of variants) {
      const perDelivery = await measure(urls.get(v) ?? '', v);
      results.get(v)?.push(perDelivery);
      process.stdout.write(
        `${v.name} round ${String(round + 1)}: ${perDelivery.toFixed(1)} µs/delivery\n`,
      );
    }
  for (const v of variants) {
    const sorted = [...(results.get(v) ?? [])].sort((a, b) => a - b);
    process.stdout.write(
      `${v.name}: median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)} µs/delivery (batch ${String(batch)}, ${String(deliveries)} deliveries) [${sorted.map((x) => x.toFixed(0)).join(', ')}]\n`,
    );
  }
}

await main();
