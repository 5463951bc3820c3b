// A benchmark client process: a delivery worker, a BullMQ no-op worker, or a
// raw axios POST loop — so each ceiling runs in a process of the same shape.
// Plain JavaScript on the compiled packages: no TypeScript loader in the
// measured process, as in production.
import http from 'node:http';
import { loadSettings } from '@letta-webhooks/shared';
import { createWorker } from '@letta-webhooks/worker';
import axios from 'axios';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const mode = process.env.BENCH_MODE;
const settings = loadSettings();

function reportMemory() {
  process.on('message', (message) => {
    if (message.type === 'memory')
      process.send?.({ type: 'memory', rss: process.memoryUsage().rss });
  });
}

async function main() {
  if (mode === 'deliver') {
    const worker = createWorker({ settings });
    reportMemory();
    process.on('message', (message) => {
      if (message.type === 'stop') void worker.close().then(() => process.exit(0));
    });
    process.send?.({ type: 'ready' });
    return;
  }
  if (mode === 'noop') {
    const connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
    const worker = new Worker(settings.queueName, () => Promise.resolve(), {
      connection,
      prefix: settings.queuePrefix,
      concurrency: settings.concurrency,
    });
    reportMemory();
    process.on('message', (message) => {
      if (message.type === 'stop') void worker.close().then(() => process.exit(0));
    });
    process.send?.({ type: 'ready' });
    return;
  }
  if (mode === 'axios') {
    const total = Number(process.env.BENCH_REQUESTS);
    const url = process.env.BENCH_URL ?? '';
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const client = axios.create({
      httpAgent: agent,
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
    });
    const body = JSON.stringify({ hello: 'x'.repeat(400) });
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (next < total) {
          next++;
          await client.post(url, body, { headers: { 'Content-Type': 'application/json' } });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    process.send?.({ type: 'done', rate: total / seconds });
    process.exit(0);
  }
  throw new Error(`unknown BENCH_MODE ${String(mode)}`);
}

void main();
