import { EndpointStatsReader, createProducer } from '@letta-webhooks/producer';
import {
  createDb,
  createLogger,
  createRedis,
  loadSettings,
  withTimeout,
  type Settings,
} from '@letta-webhooks/shared';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { ApiKeyResolver } from './auth/api-key-resolver.js';
import { ApiKeyStore } from './auth/api-key-store.js';
import { buildApp } from './build-app.js';
import { createApiMetrics } from './observability/metrics.js';
import { loadPortalAssets } from './portal/portal-assets.js';
import { PortalSessionStore } from './portal/portal-session-store.js';
import type { ApiApp } from './routes/route-types.js';

// Longest wait for each later shutdown step (producer, pools).
const CLOSE_STEP_MS = 5_000;

/** Options of {@link startApi}. */
export interface StartApiOptions {
  /** Validated settings. Default: `loadSettings(process.env)`. */
  readonly settings?: Settings;
  /** Logger. Default: pino JSON on stdout at `settings.logLevel`. */
  readonly logger?: Logger;
}

/** A listening API. */
export interface RunningApi {
  readonly app: ApiApp;
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /**
   * Stops taking connections, lets requests in flight finish for up to
   * `WEBHOOK_API_SHUTDOWN_TIMEOUT_MS`, closes what is left, then the
   * producer and every pool. Idempotent.
   */
  close(): Promise<void>;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return !(await withTimeout(promise, ms)).timedOut;
}

/** Starts the HTTP API with its own producer, pg pool and Redis connection, and listens. */
export async function startApi(options: StartApiOptions = {}): Promise<RunningApi> {
  const settings = options.settings ?? loadSettings();
  const logger = options.logger ?? createLogger('letta-webhooks-api', settings.logLevel);
  const producer = createProducer({ settings });
  const db = createDb({
    connectionString: settings.databaseUrl,
    poolSize: 2,
    applicationName: 'letta-webhooks-api',
  });
  const redis = createRedis(settings, 'producer');
  const metrics = createApiMetrics();
  const releaseAll = async () => {
    const step = async (name: string, done: Promise<unknown>) => {
      if (
        !(await settlesWithin(
          done.catch(() => undefined),
          CLOSE_STEP_MS,
        ))
      )
        logger.warn({ step: name }, 'shutdown step timed out; moving on');
    };
    await step('producer', producer.close());
    redis.disconnect();
    await step('postgres pool', db.destroy());
  };

  let built;
  try {
    built = await buildApp({
      settings: settings.api,
      logger,
      services: {
        producer,
        credentials: [new ApiKeyResolver(new ApiKeyStore(db), settings.api.keyCacheTtlMs)],
        readiness: {
          postgres: async () => {
            await sql`SELECT 1`.execute(db);
          },
          redis: async () => {
            await redis.ping();
          },
        },
        metrics,
        testWaitMs: settings.api.testWaitMs,
        endpointStats: new EndpointStatsReader(db),
        portal: {
          sessions: new PortalSessionStore(db),
          settings: settings.portal,
          assets: await loadPortalAssets(),
        },
      },
    });
    await built.app.listen({ port: settings.api.port, host: settings.api.host });
  } catch (error) {
    await built?.app.close();
    await releaseAll();
    throw error;
  }
  const { app } = built;
  const stoppable = built;
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.api.port;
  const host = settings.api.host.includes(':') ? `[${settings.api.host}]` : settings.api.host;
  logger.info({ port, host: settings.api.host }, 'API listening');
  if (settings.api.trustProxy === true)
    logger.warn(
      { setting: 'WEBHOOK_API_TRUST_PROXY' },
      'WEBHOOK_API_TRUST_PROXY=true believes X-Forwarded-* from every hop, so any client can set its logged address and the portal link origin; list the proxies as CIDRs instead',
    );

  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        stoppable.markStopping();
        const closed = app.close();
        if (!(await settlesWithin(closed, settings.api.shutdownTimeoutMs))) {
          logger.warn('shutdown deadline reached; closing connections with requests in flight');
          app.server.closeAllConnections();
          await settlesWithin(closed, CLOSE_STEP_MS);
        }
        await releaseAll();
      })();
      return closing;
    },
  };
}
