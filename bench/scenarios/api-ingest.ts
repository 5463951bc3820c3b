import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKeyStore } from '@letta-webhooks/api';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { startChild, type Child } from '../children.js';
import { openLoop, warmUp } from '../open-loop.js';
import type { Scenario } from '../scenario.js';
import { percentile } from '../stats.js';

/** Requests (or publishEvent callers) in flight, as the issue states its target. */
const IN_FLIGHT = 50;
/** Events per batch, over HTTP and in process. */
const BATCH = 100;
/** Requests per second of the latency runs. */
const RATE = 500;

/** POSTs JSON to the API over kept-alive loopback connections; rejects on any answer but 202. */
function client(port: number, key: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const post = (path: string, body: string) =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 202) resolve();
            else reject(new Error(`POST ${path} answered ${String(response.statusCode)}`));
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  return {
    post,
    close() {
      agent.destroy();
    },
  };
}

/** Runs `work` `count` times with `inFlight` at once. */
async function pool(count: number, inFlight: number, work: () => Promise<void>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < count) {
        started++;
        await work();
      }
    }),
  );
}

/**
 * Event ingest over HTTP beside the in-process producer, in the same run and
 * publish mode, to the same endpoint: `POST /v1/events` at 50 requests in
 * flight ÷ `publishEvent` at 50 callers (target ≥ 0.5), `POST
 * /v1/events/batch` of 100 ÷ `publishEvents` of 100, the CPU each costs per
 * event (the API is a process of its own, `api`; `driver` is the producer in
 * process, or the HTTP client), and the latency of `POST /v1/events` at a
 * steady 500/s with no worker running (target p99 ≤ 5 ms) and with one.
 */
export const apiIngest: Scenario = {
  name: 'api-ingest',
  async run(ctx) {
    const n = ctx.sizes.publish;
    const { agentId } = ctx.endpoints.one;
    const data = EXAMPLE_EVENT_DATA['agent.step.completed'];
    const event = { agent_id: agentId, event_type: 'agent.step.completed', data };
    const one = JSON.stringify(event);
    const batch = JSON.stringify({ events: Array.from({ length: BATCH }, () => event) });
    const key = (await new ApiKeyStore(ctx.db).create({ organizationId: 'org-bench' })).key;
    const api: Child = await startChild('api-process.ts', ctx.env);
    const caller = client(api.ready.port as number, key);
    try {
      // Both paths warmed up first: the API process starts cold, the producer does not.
      await pool(Math.min(n, 1_000), IN_FLIGHT, () => caller.post('/v1/events', one));
      await pool(Math.min(n, 1_000), IN_FLIGHT, async () => {
        await ctx.producer.publishEvent(agentId, 'agent.step.completed', data);
      });
      const metered = async (run: string, inFlight: number, work: () => Promise<void>) => {
        await ctx.reset();
        const meter = await ctx.meter([api], 'api');
        const started = performance.now();
        await work();
        const perSecond = n / ((performance.now() - started) / 1000);
        const used = await meter.stop();
        // Every event made its one job: nothing was refused or lost on the way.
        for (let waited = 0; ; waited += 50) {
          const jobs = await ctx.queue.getJobCounts('waiting', 'prioritized');
          if ((jobs.waiting ?? 0) + (jobs.prioritized ?? 0) === n) break;
          if (waited > 10_000)
            throw new Error(`${run}: ${JSON.stringify(jobs)} jobs queued for ${n} events`);
          await sleep(50);
        }
        const cpuMicrosPerUnit = Object.fromEntries(
          Object.entries(used).map(([group, micros]) => [group, micros / n]),
        );
        ctx.report.run({ run, inFlight, units: n, perSecond, cpuMicrosPerUnit });
        return { perSecond, cpu: cpuMicrosPerUnit };
      };
      const inProcess = await metered(
        `in process: publishEvent, ${IN_FLIGHT} callers`,
        IN_FLIGHT,
        () =>
          pool(n, IN_FLIGHT, async () => {
            await ctx.producer.publishEvent(agentId, 'agent.step.completed', data);
          }),
      );
      const overHttp = await metered(
        `HTTP: POST /v1/events, ${IN_FLIGHT} in flight`,
        IN_FLIGHT,
        () => pool(n, IN_FLIGHT, () => caller.post('/v1/events', one)),
      );
      const inProcessBatch = await metered(`in process: publishEvents of ${BATCH}`, 1, () =>
        pool(n / BATCH, 1, async () => {
          await ctx.producer.publishEvents(
            Array.from({ length: BATCH }, () => ({
              agentId,
              eventType: 'agent.step.completed' as const,
              data,
            })),
          );
        }),
      );
      const overHttpBatch = await metered(`HTTP: POST /v1/events/batch of ${BATCH}`, 1, () =>
        pool(n / BATCH, 1, () => caller.post('/v1/events/batch', batch)),
      );

      await ctx.reset();
      const seconds = ctx.sizes.latencySeconds;
      const post = () => caller.post('/v1/events', one);
      const idle = await openLoop(RATE, seconds, post);
      // Without this reset the worker would start on the idle run's 7,500 queued
      // jobs and the figure would be ingest beside a backlog drain, not beside
      // a worker keeping up with 500/s.
      await ctx.reset();
      const [worker] = await ctx.start('deliver', 1);
      await warmUp(ctx, RATE, post, { latency: false });
      const busy = await openLoop(RATE, seconds, post);
      await worker?.stop();

      const figures = {
        apiIngestPerSecond: overHttp.perSecond,
        apiIngestInProcessPerSecond: inProcess.perSecond,
        apiIngestCpuMicrosPerEvent: overHttp.cpu.api ?? 0,
        apiIngestInProcessCpuMicrosPerEvent: inProcess.cpu.driver ?? 0,
        apiBatchIngestPerSecond: overHttpBatch.perSecond,
        apiBatchInProcessPerSecond: inProcessBatch.perSecond,
        apiBatchCpuMicrosPerEvent: overHttpBatch.cpu.api ?? 0,
        apiBatchInProcessCpuMicrosPerEvent: inProcessBatch.cpu.driver ?? 0,
        apiIngestLatencyP50Ms: percentile(idle, 50),
        apiIngestLatencyP99Ms: percentile(idle, 99),
        apiIngestLatencyWithWorkerP50Ms: percentile(busy, 50),
        apiIngestLatencyWithWorkerP99Ms: percentile(busy, 99),
      };
      for (const [name, value] of Object.entries(figures)) ctx.report.figure(name, value);
      ctx.log(
        `api-ingest: POST /v1/events ${Math.round(overHttp.perSecond)}/s vs publishEvent ${Math.round(inProcess.perSecond)}/s; ` +
          `batch ${Math.round(overHttpBatch.perSecond)}/s vs ${Math.round(inProcessBatch.perSecond)}/s; ` +
          `p99 at ${RATE}/s ${percentile(idle, 99).toFixed(2)} ms (with a worker ${percentile(busy, 99).toFixed(2)} ms)`,
      );
      ctx.report.target(
        `POST /v1/events/s ÷ publishEvent/s (${IN_FLIGHT} in flight)`,
        overHttp.perSecond / inProcess.perSecond,
        { atLeast: 0.5 },
      );
      ctx.report.target(
        `POST /v1/events p99 at ${RATE}/s, no worker`,
        figures.apiIngestLatencyP99Ms,
        { atMost: 5 },
        ' ms',
      );
    } finally {
      caller.close();
      await api.stop();
    }
  },
};
