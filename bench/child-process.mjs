// A benchmark client process, so every pipeline measured runs in a process of
// the same shape (BENCH_MODE):
//   deliver  the project's worker (createWorker)
//   noop     a BullMQ worker whose processor does nothing
//   bare     the bare pipeline: a BullMQ worker → HMAC-SHA256 over the body →
//            axios keep-alive POST → attempt rows inserted in batches (every
//            5 ms or 200 rows, one unnest INSERT); a job completes once its
//            row is committed, as in the project's worker
//   axios    raw axios POSTs, BENCH_IN_FLIGHT at a time, on 'go'
// Plain JavaScript on the compiled packages: no TypeScript loader in the
// measured process, as in production. Every mode says 'ready', answers
// 'memory' and 'completed' (jobs completed so far), and exits on 'stop'.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';
import { loadSettings } from '@letta-webhooks/shared';
import { createWorker } from '@letta-webhooks/worker';
import axios from 'axios';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

const mode = process.env.BENCH_MODE;
const settings = loadSettings();
let completed = 0;

/** Answers the driver's questions; `close` runs on 'stop'. */
function serve(close) {
  process.on('message', (message) => {
    if (message.type === 'memory')
      process.send?.({ type: 'memory', rss: process.memoryUsage().rss });
    if (message.type === 'completed') process.send?.({ type: 'completed', count: completed });
    if (message.type === 'stop') void close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready' });
}

function bullWorker(processor) {
  const connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker(settings.queueName, processor, {
    connection,
    prefix: settings.queuePrefix,
    concurrency: settings.concurrency,
  });
  worker.on('completed', () => {
    completed++;
  });
  return async () => {
    await worker.close();
    connection.disconnect();
  };
}

function axiosClient() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const client = axios.create({
    httpAgent: agent,
    proxy: false,
    maxRedirects: 0,
    validateStatus: () => true,
  });
  return { client, agent };
}

/** Rows waiting for the next batch INSERT, each with the job waiting on its commit. */
function batchInserter(pool) {
  let rows = [];
  let timer;
  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = rows;
    rows = [];
    if (batch.length === 0) return;
    const column = (i) => batch.map((entry) => entry.row[i]);
    try {
      await pool.query({
        name: 'bench-bare-insert',
        text: `INSERT INTO bench_bare_attempts (delivery_id, attempt_number, status_code, started_at, duration_ms)
               SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::timestamptz[], $5::int[])`,
        values: [column(0), column(1), column(2), column(3), column(4)],
      });
      for (const entry of batch) entry.resolve();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  };
  return (row) =>
    new Promise((resolve, reject) => {
      rows.push({ row, resolve, reject });
      if (rows.length >= 200) void flush();
      else timer ??= setTimeout(() => void flush(), 5);
    });
}

async function main() {
  if (mode === 'deliver') {
    const worker = createWorker({ settings });
    worker.worker.on('completed', () => {
      completed++;
    });
    serve(() => worker.close());
    return;
  }
  if (mode === 'noop') {
    serve(bullWorker(() => Promise.resolve()));
    return;
  }
  if (mode === 'bare') {
    const pool = new pg.Pool({
      connectionString: settings.databaseUrl,
      max: 4,
      application_name: 'bench-bare',
    });
    const insert = batchInserter(pool);
    const { client, agent } = axiosClient();
    const key = randomBytes(32);
    const close = bullWorker(async (job) => {
      const { id, url, body } = job.data;
      const startedAt = new Date();
      const started = performance.now();
      const timestamp = Math.floor(Date.now() / 1000);
      const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
      const response = await client.post(url, body, {
        headers: {
          'Content-Type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': `v1,${mac.toString('base64')}`,
        },
      });
      await insert([
        id,
        job.attemptsMade + 1,
        response.status,
        startedAt.toISOString(),
        Math.round(performance.now() - started),
      ]);
    });
    serve(async () => {
      await close();
      agent.destroy();
      await pool.end();
    });
    return;
  }
  if (mode === 'axios') {
    const total = Number(process.env.BENCH_REQUESTS);
    const urls = (process.env.BENCH_URLS ?? '').split(' ');
    const inFlight = Number(process.env.BENCH_IN_FLIGHT);
    const body = process.env.BENCH_BODY ?? '{}';
    const { client, agent } = axiosClient();
    const post = async (count) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < count) {
            const url = urls[next % urls.length];
            next++;
            await client.post(url, body, { headers: { 'Content-Type': 'application/json' } });
            completed++;
          }
        }),
      );
    };
    await post(Number(process.env.BENCH_WARMUP ?? 0));
    process.on('message', (message) => {
      if (message.type !== 'go') return;
      void (async () => {
        const started = performance.now();
        await post(total);
        process.send?.({ type: 'done', rate: total / ((performance.now() - started) / 1000) });
      })();
    });
    serve(async () => {
      agent.destroy();
    });
    return;
  }
  throw new Error(`unknown BENCH_MODE ${String(mode)}`);
}

void main();
