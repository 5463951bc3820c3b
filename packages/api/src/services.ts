import type { EndpointStatsReader, Producer } from '@letta-webhooks/producer';
import type { CredentialResolver } from './auth/principal.js';
import type { ApiMetrics } from './observability/metrics.js';
import type { PortalServices } from './portal/portal-services.js';

/** One readiness check: resolves when the dependency answers. */
export type ReadinessCheck = () => Promise<void>;

/** What the routes use; {@link startApi} builds it, and owns and closes each part. */
export interface ApiServices {
  /** Every route is a thin layer over this. */
  readonly producer: Producer;
  /** Asked in order for each `/v1` request's principal. */
  readonly credentials: readonly CredentialResolver[];
  /** Named checks of `/readyz`; the API is ready when every one resolves. */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  readonly metrics: ApiMetrics;
  /** How long the test route waits for the first attempt. */
  readonly testWaitMs: number;
  /** Per-endpoint chart data (`GET /v1/endpoints/{id}/stats`). */
  readonly endpointStats: Pick<EndpointStatsReader, 'read'>;
  /** Portal links, sessions and pages (`/portal`). */
  readonly portal: PortalServices;
}
