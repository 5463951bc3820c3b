import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The worker's Prometheus metrics, in a registry of its own. */
export interface WorkerMetrics {
  readonly registry: Registry;
  /** Counts one attempt by outcome and status class (`2xx`…`5xx`, or `none`). */
  attempt(outcome: string, statusCode: number | undefined, durationMs: number): void;
  /** publish → delivered, for a delivery that just succeeded. */
  delivered(occurredAt: string): void;
  /** A circuit-breaker decision (`closed`, `probe`, `open`) for an endpoint. */
  breaker(endpointId: string, decision: 'closed' | 'probe' | 'open', openUntil?: number): void;
  /** One group-commit batch of the attempt recorder. */
  recorderBatch(size: number, durationMs: number): void;
  /** A job refused before sending: its MAC (`mac`) or its envelope against the endpoint (`envelope`). */
  rejectedJob(check: 'mac' | 'envelope'): void;
}

function statusClass(statusCode: number | undefined): string {
  return statusCode === undefined ? 'none' : `${Math.floor(statusCode / 100)}xx`;
}

/** Creates the metrics; queue gauges are read from Redis at scrape time. */
export function createMetrics(queue: Queue): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'letta_webhooks_' });
  const attempts = new Counter({
    name: 'letta_webhooks_attempts_total',
    help: 'Delivery attempts by outcome and response status class.',
    labelNames: ['outcome', 'status_class'],
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'letta_webhooks_attempt_duration_seconds',
    help: 'Duration of one HTTP attempt.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'letta_webhooks_delivery_latency_seconds',
    help: 'From the event timestamp (publish) to a successful delivery.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
    registers: [registry],
  });
  const breakerDecisions = new Counter({
    name: 'letta_webhooks_breaker_decisions_total',
    help: 'Circuit-breaker decisions: closed (sent), probe (sent as the probe), open (postponed).',
    labelNames: ['decision'],
    registers: [registry],
  });
  const openBreakers = new Map<string, number>();
  new Gauge({
    name: 'letta_webhooks_breakers_open',
    help: 'Endpoints whose circuit breaker this worker last saw open.',
    registers: [registry],
    collect() {
      const now = Date.now();
      for (const [id, until] of openBreakers) if (until <= now) openBreakers.delete(id);
      this.set(openBreakers.size);
    },
  });
  const batchSize = new Histogram({
    name: 'letta_webhooks_recorder_batch_size',
    help: 'Attempts written per group commit.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const commitDuration = new Histogram({
    name: 'letta_webhooks_recorder_commit_seconds',
    help: 'Duration of one group commit.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  new Gauge({
    name: 'letta_webhooks_queue_jobs',
    help: 'Jobs in the delivery queue by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'failed',
        'prioritized',
      );
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'letta_webhooks_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest job waiting to be picked up (0 when none).',
    registers: [registry],
    async collect() {
      const [oldest] = await queue.getJobs(['wait'], -1, -1, true);
      this.set(oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
    },
  });

  const rejectedJobs = new Counter({
    name: 'letta_webhooks_rejected_jobs_total',
    help: 'Jobs refused unsent: a missing or wrong MAC (mac), or an envelope not matching its endpoint (envelope).',
    labelNames: ['check'],
    registers: [registry],
  });

  return {
    registry,
    attempt(outcome, statusCode, durationMs) {
      attempts.inc({ outcome, status_class: statusClass(statusCode) });
      attemptDuration.observe(durationMs / 1000);
    },
    delivered(occurredAt) {
      const ms = Date.now() - Date.parse(occurredAt);
      if (Number.isFinite(ms) && ms >= 0) latency.observe(ms / 1000);
    },
    breaker(endpointId, decision, openUntil) {
      breakerDecisions.inc({ decision });
      if (decision === 'open' && openUntil !== undefined) openBreakers.set(endpointId, openUntil);
      else openBreakers.delete(endpointId);
    },
    recorderBatch(size, durationMs) {
      batchSize.observe(size);
      commitDuration.observe(durationMs / 1000);
    },
    rejectedJob(check) {
      rejectedJobs.inc({ check });
    },
  };
}
