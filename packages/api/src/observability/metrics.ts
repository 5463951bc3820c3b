import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's Prometheus metrics, in a registry of its own. */
export interface ApiMetrics {
  readonly registry: Registry;
  /** Counts one answered request and observes its latency. */
  request(method: string, route: string, statusCode: number, seconds: number): void;
}

/** Creates the API's metrics: requests by route and status, and a latency histogram. */
export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'letta_webhooks_api_' });
  const requests = new Counter({
    name: 'letta_webhooks_api_requests_total',
    help: 'HTTP requests answered, by method, route (the pattern, not the path) and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'letta_webhooks_api_request_duration_seconds',
    help: 'Time from request to response, by method and route.',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    request(method, route, statusCode, seconds) {
      requests.inc({ method, route, status: String(statusCode) });
      latency.observe({ method, route }, seconds);
    },
  };
}
