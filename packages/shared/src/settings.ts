import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { WebhookError } from './errors.js';
import { parseCidr } from './net/cidr.js';
import { toIssues } from './validation.js';

// Numbers are written in plain decimal: a blank value, hex (`0x10`), exponents
// (`1e3`) or signs are refused rather than coerced (`' '` would read as 0).
const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a decimal number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole decimal number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const ms = (min: number, max: number) => int(min, max);
// On/off: `true`/`1` or `false`/`0`.
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback)
    .transform((value) => value === 'true' || value === '1');

// Host names per RFC 1123 (labels of letters, digits and inner hyphens), or IP literals.
const HOST_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const listenHost = z
  .string()
  .refine(
    (value) => isIPv4(value) || isIPv6(value) || HOST_NAME.test(value),
    'must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::) or a host name',
  );

const cidr = z.string().refine((value) => parseCidr(value) !== undefined, {
  error: 'must be an IPv4 or IPv6 address or CIDR, e.g. 127.0.0.0/8',
});

/** A comma-separated variable, each non-empty item checked by `item`. */
function commaList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(item));
}

const encryptionKeys = commaList(
  z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/,
      'must be keyId:base64 of 32 bytes (e.g. k1:$(openssl rand -base64 32))',
    )
    .transform((entry) => {
      const [id = '', key = ''] = entry.split(':');
      return { id, key: Buffer.from(key, 'base64') };
    }),
).refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, 'key ids must be unique');

const cidrList = commaList(cidr);

/** The most attempts `WEBHOOK_MAX_ATTEMPTS` allows; every job carries it as BullMQ's ceiling. */
export const MAX_ATTEMPTS_LIMIT = 100;

/**
 * Every setting, as the environment variable that sets it, with its default:
 * the one place defaults live. docs/settings.md is generated from it
 * (`pnpm docs:settings`).
 */
export const settingsSchema = z
  .object({
    /** Postgres connection string. */
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/ })
      .default('postgres://postgres@127.0.0.1:5432/postgres'),
    /** Connections in each process's pg pool (a worker opens one more, its attempt recorder's own). */
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    /** Redis connection string (`redis://` or `rediss://`). */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    /**
     * Redis Cluster nodes as comma-separated host:port; when set, REDIS_URL is
     * not used and every connection goes to the cluster.
     */
    REDIS_CLUSTER_NODES: commaList(
      z
        .string()
        .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port')
        .transform((node) => {
          const [host = '', port = '0'] = node.split(':');
          return { host, port: Number(port) };
        }),
    ).default([]),
    /** BullMQ queue name. */
    WEBHOOK_QUEUE_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/)
      .default('deliveries'),
    /** Prefix of every BullMQ key; the braces make it a Redis Cluster hash tag. */
    WEBHOOK_QUEUE_PREFIX: z
      .string()
      .regex(/^[{}A-Za-z0-9_:-]{1,100}$/)
      .default('{letta-webhooks}'),
    /** Jobs one worker process runs at once. */
    WEBHOOK_WORKER_CONCURRENCY: int(1, 1000).default(32),
    /** Attempts per delivery, the first included; the workers' value decides (jobs carry no policy). */
    WEBHOOK_MAX_ATTEMPTS: int(1, MAX_ATTEMPTS_LIMIT).default(15),
    /** Delay before the first retry; doubles each retry. */
    WEBHOOK_BACKOFF_BASE_MS: ms(1, 86_400_000).default(10_000),
    /** Cap on any one retry delay. */
    WEBHOOK_BACKOFF_MAX_MS: ms(1, 7 * 86_400_000).default(36_000_000),
    /** Fraction of each delay that is randomized (0 = none, 1 = full jitter). */
    WEBHOOK_BACKOFF_JITTER: decimal(0, 1).default(0.2),
    /** Cap on a delay asked for by a receiver's Retry-After header. */
    WEBHOOK_RETRY_AFTER_MAX_MS: ms(0, 86_400_000).default(3_600_000),
    /** Hard deadline for one attempt: connect, send, headers and body. */
    WEBHOOK_REQUEST_TIMEOUT_MS: ms(1, 300_000).default(5_000),
    /** Deadline for setting up a connection (TCP, and TLS for https), within the request deadline. */
    WEBHOOK_CONNECT_TIMEOUT_MS: ms(1, 300_000).default(2_000),
    /**
     * How long publishEvent waits for Postgres (durable mode: then
     * DATABASE_UNAVAILABLE) or Redis (fast mode: then QUEUE_UNAVAILABLE).
     * (A publish that timed out may still land; publishing again with the same
     * eventId cannot create a second delivery.)
     */
    WEBHOOK_PUBLISH_TIMEOUT_MS: ms(10, 60_000).default(2_000),
    // ── core lane: publishing ──
    /**
     * How publishEvent stores an event: `durable` commits the event and its
     * deliveries in Postgres before it resolves, then enqueues them (a relay
     * enqueues later if Redis refuses); `fast` only enqueues in Redis (a Redis
     * that loses its data loses what was queued).
     */
    WEBHOOK_PUBLISH_MODE: z
      .enum(['durable', 'fast'])
      .default('durable')
      .describe(
        'durable: publishEvent resolves once the event and its deliveries are committed in Postgres, then enqueues them (Redis down: a relay enqueues later); fast: Redis only, queued jobs are lost if Redis loses its data.',
      ),
    /** How often each worker checks whether Redis lost its data (a marker key gone or changed), to re-enqueue at once. */
    WEBHOOK_REDIS_LOSS_CHECK_MS: ms(50, 600_000)
      .default(1_000)
      .describe(
        'How often each worker checks whether Redis lost its data (its marker key gone or changed); on loss, pending deliveries whose job vanished are enqueued again at once.',
      ),
    // ── end of the core lane block ──
    /** Largest serialized event accepted by publishEvent. */
    WEBHOOK_MAX_PAYLOAD_BYTES: int(1, 16 * 1024 * 1024).default(256 * 1024),
    /** Bytes of each response body kept with its attempt. */
    WEBHOOK_RESPONSE_EXCERPT_BYTES: int(0, 65_536).default(4_096),
    /** CIDRs exempt from the private-address guard (local development and tests only). */
    WEBHOOK_ALLOWED_CIDRS: cidrList.default([]),
    /**
     * Keys that encrypt endpoint secrets at rest (AES-256-GCM), as comma-separated
     * `keyId:base64key`; the first encrypts, all decrypt. Required: without it the
     * worker, API, CLI and producer refuse to start unless WEBHOOK_ALLOW_PLAINTEXT_SECRETS
     * is true. The first key also derives the key that authenticates queued jobs.
     */
    WEBHOOK_SECRET_ENCRYPTION_KEYS: encryptionKeys
      .default([])
      .describe(
        'keyId:base64key,… (32-byte keys) encrypting secrets at rest; the first seals, all open. Required unless WEBHOOK_ALLOW_PLAINTEXT_SECRETS=true.',
      ),
    /** Store endpoint secrets unencrypted when no encryption key is set (local development only). */
    WEBHOOK_ALLOW_PLAINTEXT_SECRETS: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1')
      .describe(
        'Let processes start without WEBHOOK_SECRET_ENCRYPTION_KEYS, storing endpoint secrets unencrypted (local development only).',
      ),
    /** Refuse plain-http endpoint URLs. */
    WEBHOOK_HTTPS_ONLY: flag('false'),
    /** How long endpoint look-ups are cached in each process. */
    WEBHOOK_ENDPOINT_CACHE_TTL_MS: ms(0, 3_600_000).default(5_000),
    /** How long a stopping worker waits for in-flight deliveries before it lets go of them. */
    WEBHOOK_SHUTDOWN_TIMEOUT_MS: ms(0, 600_000).default(15_000),
    /** BullMQ job lock; a worker that dies holds its jobs for at most this long. */
    WEBHOOK_LOCK_DURATION_MS: ms(1_000, 600_000).default(30_000),
    /** How often workers look for jobs whose lock expired (stalled). */
    WEBHOOK_STALLED_INTERVAL_MS: ms(1_000, 600_000).default(30_000),
    /** Times a job may stall (its worker died) before it is failed as a poison job. */
    WEBHOOK_MAX_STALLED_COUNT: int(0, 1000).default(10),
    /** Deliveries to one endpoint a worker process runs at once. */
    WEBHOOK_ENDPOINT_MAX_IN_FLIGHT: int(1, 1000).default(8),
    /** An endpoint that has only failed for this long is disabled (0: never). */
    WEBHOOK_DISABLE_AFTER_FAILING_MS: ms(0, 365 * 86_400_000).default(5 * 86_400_000),
    /** How often workers move committed outbox deliveries into the queue. */
    WEBHOOK_OUTBOX_POLL_MS: ms(10, 60_000).default(200),
    /**
     * A delivery pending this long past its due time whose job is missing from
     * Redis (data lost) is enqueued again by the reconciler.
     */
    WEBHOOK_RECONCILE_AFTER_MS: ms(1_000, 86_400_000).default(900_000),
    /** How often workers run the reconciler. */
    WEBHOOK_RECONCILE_INTERVAL_MS: ms(100, 86_400_000).default(60_000),
    /** Settled deliveries (and their attempts) older than this many days are deleted; 0 keeps them forever. */
    WEBHOOK_RETENTION_DAYS: decimal(0, 36_500).default(30),
    /** How often workers run the retention cleanup (one worker at a time, through a BullMQ job scheduler). */
    WEBHOOK_RETENTION_INTERVAL_MS: ms(1_000, 7 * 86_400_000).default(3_600_000),
    /** Port of the worker's admin server (/metrics, /healthz, /readyz); 0 picks a free port, "off" disables it. */
    WEBHOOK_ADMIN_PORT: z
      .union([z.literal('off'), int(0, 65_535)], {
        error: 'must be a port number (0 picks a free port) or "off"',
      })
      .default(9464)
      .transform((value) => (value === 'off' ? null : value)),
    /** Address the admin server listens on: an IP address or a host name. */
    WEBHOOK_ADMIN_HOST: listenHost.default('127.0.0.1'),
    // ── resilience lane: circuit breaker, Redis memory faults, BullMQ's footprint ──
    /** Attempts to an endpoint within the breaker window below which its breaker never opens; 0 turns breakers off. */
    WEBHOOK_BREAKER_MIN_ATTEMPTS: int(0, 1_000_000)
      .default(20)
      .describe(
        'Attempts to an endpoint within the breaker window below which its breaker never opens; 0 turns breakers off.',
      ),
    /** Share of an endpoint's attempts (0–1) that must have failed over a full window for its breaker to open. */
    WEBHOOK_BREAKER_FAILURE_RATE: decimal(0, 1)
      .default(0.9)
      .describe(
        "Share of an endpoint's attempts (0–1) that must have failed over a full window for its breaker to open.",
      ),
    /** Window the breaker measures the failure rate over; an endpoint fails this long before its breaker can open. */
    WEBHOOK_BREAKER_WINDOW_MS: ms(100, 86_400_000)
      .default(60_000)
      .describe(
        'Window the breaker measures the failure rate over; an endpoint fails this long before its breaker can open.',
      ),
    /** How long an open breaker postpones deliveries before letting one probe through. */
    WEBHOOK_BREAKER_COOLDOWN_MS: ms(100, 86_400_000)
      .default(30_000)
      .describe('How long an open breaker postpones deliveries before letting one probe through.'),
    /** Accept a Redis whose maxmemory-policy evicts keys (queued jobs may vanish); otherwise processes refuse it at start-up. */
    WEBHOOK_ALLOW_EVICTING_REDIS: flag('false').describe(
      'Accept a Redis whose maxmemory-policy evicts keys (queued jobs may vanish); otherwise processes refuse it at start-up.',
    ),
    /** First pause of a worker whose Redis refuses writes for lack of memory (OOM); doubles per refusal up to the cap. */
    WEBHOOK_REDIS_OOM_BACKOFF_MS: ms(10, 600_000)
      .default(1_000)
      .describe(
        'First pause of a worker whose Redis refuses writes for lack of memory (OOM); doubles per refusal up to the cap.',
      ),
    /** Longest pause between a worker's checks whether an out-of-memory Redis accepts writes again. */
    WEBHOOK_REDIS_OOM_BACKOFF_MAX_MS: ms(10, 3_600_000)
      .default(30_000)
      .describe(
        "Longest pause between a worker's checks whether an out-of-memory Redis accepts writes again.",
      ),
    /** Completed jobs kept in Redis (Postgres holds the record); 0 removes each at once. */
    WEBHOOK_KEEP_COMPLETED_JOBS: int(0, 10_000_000)
      .default(0)
      .describe(
        'Completed jobs kept in Redis (Postgres holds the record); 0 removes each at once.',
      ),
    /** Longest a completed job stays in Redis, whatever the count. */
    WEBHOOK_KEEP_COMPLETED_JOBS_MS: ms(0, 365 * 86_400_000)
      .default(3_600_000)
      .describe('Longest a completed job stays in Redis, whatever the count.'),
    /** Failed jobs kept in Redis for inspection (Postgres holds the record); 0 removes each at once. */
    WEBHOOK_KEEP_FAILED_JOBS: int(0, 10_000_000)
      .default(1_000)
      .describe(
        'Failed jobs kept in Redis for inspection (Postgres holds the record); 0 removes each at once.',
      ),
    /** Longest a failed job stays in Redis, whatever the count. */
    WEBHOOK_KEEP_FAILED_JOBS_MS: ms(0, 365 * 86_400_000)
      .default(86_400_000)
      .describe('Longest a failed job stays in Redis, whatever the count.'),
    // ── end of the resilience lane's block ──
    // ── api lane: the HTTP API service (`letta-webhooks api`) ──
    /** Port the HTTP API listens on. */
    WEBHOOK_API_PORT: int(0, 65_535)
      .default(8080)
      .describe('Port the HTTP API listens on; 0 picks a free port.'),
    /** Address the HTTP API listens on. */
    WEBHOOK_API_HOST: listenHost
      .default('127.0.0.1')
      .describe(
        'Address the HTTP API listens on (0.0.0.0 to accept connections from other hosts).',
      ),
    /** Largest request body the API reads. */
    WEBHOOK_API_BODY_LIMIT_BYTES: int(1_024, 64 * 1024 * 1024)
      .default(2 * 1024 * 1024)
      .describe('Largest request body the HTTP API reads; a larger one is refused with 413.'),
    /** Which proxies in front of the API may set X-Forwarded-For. */
    WEBHOOK_API_TRUST_PROXY: z
      .union([z.enum(['true', 'false']).transform((value) => value === 'true'), cidrList])
      .default(false)
      .describe(
        'Proxies whose X-Forwarded-For the HTTP API believes: false (none), true (any), or comma-separated CIDRs.',
      ),
    /** How long a looked-up API key stays cached; a revoked key stops working within this time. */
    WEBHOOK_API_KEY_CACHE_TTL_MS: ms(0, 5_000)
      .default(5_000)
      .describe(
        'How long an API key look-up is cached; a revoked key stops working within this time (at most 5 s).',
      ),
    /** How long `POST /v1/endpoints/{id}/test` waits for the test delivery's first attempt. */
    WEBHOOK_API_TEST_WAIT_MS: ms(0, 30_000)
      .default(5_000)
      .describe(
        'How long POST /v1/endpoints/{id}/test waits for the first attempt before answering without it.',
      ),
    /** How long a stopping API lets requests in flight finish before it closes their connections. */
    WEBHOOK_API_SHUTDOWN_TIMEOUT_MS: ms(0, 600_000)
      .default(10_000)
      .describe(
        'How long a stopping HTTP API lets requests in flight finish before closing their connections.',
      ),
    // ── end of the api lane block ──
    // ── portal lane: the web portal (`/portal`) ──
    /** How long a portal link, and the session it opens, stays valid. */
    WEBHOOK_PORTAL_SESSION_TTL_MS: ms(60_000, 7 * 86_400_000)
      .default(3_600_000)
      .describe(
        'How long a portal link minted by POST /v1/portal-sessions, and the session it opens, stays valid.',
      ),
    /** The public origin portal links start with. */
    WEBHOOK_PORTAL_PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'Public origin of the API that portal links start with (e.g. https://hooks.example.com); unset: the origin the minting request reached.',
      ),
    // ── end of the portal lane block ──
    /** Log level: fatal, error, warn, info, debug, trace or silent. */
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((env, ctx) => {
    // api lane: an event the producer accepts must fit in a request the API reads.
    if (env.WEBHOOK_API_BODY_LIMIT_BYTES < env.WEBHOOK_MAX_PAYLOAD_BYTES)
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_API_BODY_LIMIT_BYTES'],
        message: `must be at least WEBHOOK_MAX_PAYLOAD_BYTES (${env.WEBHOOK_MAX_PAYLOAD_BYTES}): an event at the payload limit could not be posted`,
      });
  })
  .transform((env) => ({
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    redisUrl: env.REDIS_URL,
    redisClusterNodes: env.REDIS_CLUSTER_NODES,
    queueName: env.WEBHOOK_QUEUE_NAME,
    queuePrefix: env.WEBHOOK_QUEUE_PREFIX,
    concurrency: env.WEBHOOK_WORKER_CONCURRENCY,
    retry: {
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      baseDelayMs: env.WEBHOOK_BACKOFF_BASE_MS,
      maxDelayMs: env.WEBHOOK_BACKOFF_MAX_MS,
      jitter: env.WEBHOOK_BACKOFF_JITTER,
      retryAfterMaxMs: env.WEBHOOK_RETRY_AFTER_MAX_MS,
    },
    requestTimeoutMs: env.WEBHOOK_REQUEST_TIMEOUT_MS,
    connectTimeoutMs: env.WEBHOOK_CONNECT_TIMEOUT_MS,
    maxPayloadBytes: env.WEBHOOK_MAX_PAYLOAD_BYTES,
    publishTimeoutMs: env.WEBHOOK_PUBLISH_TIMEOUT_MS,
    publishMode: env.WEBHOOK_PUBLISH_MODE,
    responseExcerptBytes: env.WEBHOOK_RESPONSE_EXCERPT_BYTES,
    allowedCidrs: env.WEBHOOK_ALLOWED_CIDRS,
    httpsOnly: env.WEBHOOK_HTTPS_ONLY,
    secretEncryptionKeys: env.WEBHOOK_SECRET_ENCRYPTION_KEYS,
    allowPlaintextSecrets: env.WEBHOOK_ALLOW_PLAINTEXT_SECRETS,
    endpointCacheTtlMs: env.WEBHOOK_ENDPOINT_CACHE_TTL_MS,
    shutdownTimeoutMs: env.WEBHOOK_SHUTDOWN_TIMEOUT_MS,
    lockDurationMs: env.WEBHOOK_LOCK_DURATION_MS,
    stalledIntervalMs: env.WEBHOOK_STALLED_INTERVAL_MS,
    maxStalledCount: env.WEBHOOK_MAX_STALLED_COUNT,
    disableAfterFailingMs: env.WEBHOOK_DISABLE_AFTER_FAILING_MS,
    breaker: {
      minAttempts: env.WEBHOOK_BREAKER_MIN_ATTEMPTS,
      failureRate: env.WEBHOOK_BREAKER_FAILURE_RATE,
      windowMs: env.WEBHOOK_BREAKER_WINDOW_MS,
      cooldownMs: env.WEBHOOK_BREAKER_COOLDOWN_MS,
    },
    redisMemory: {
      allowEvicting: env.WEBHOOK_ALLOW_EVICTING_REDIS,
      oomBackoffMs: env.WEBHOOK_REDIS_OOM_BACKOFF_MS,
      oomBackoffMaxMs: env.WEBHOOK_REDIS_OOM_BACKOFF_MAX_MS,
    },
    keepJobs: {
      completed: {
        count: env.WEBHOOK_KEEP_COMPLETED_JOBS,
        ageMs: env.WEBHOOK_KEEP_COMPLETED_JOBS_MS,
      },
      failed: { count: env.WEBHOOK_KEEP_FAILED_JOBS, ageMs: env.WEBHOOK_KEEP_FAILED_JOBS_MS },
    },
    endpointMaxInFlight: env.WEBHOOK_ENDPOINT_MAX_IN_FLIGHT,
    logLevel: env.LOG_LEVEL,
    api: {
      port: env.WEBHOOK_API_PORT,
      host: env.WEBHOOK_API_HOST,
      bodyLimitBytes: env.WEBHOOK_API_BODY_LIMIT_BYTES,
      trustProxy: env.WEBHOOK_API_TRUST_PROXY,
      keyCacheTtlMs: env.WEBHOOK_API_KEY_CACHE_TTL_MS,
      testWaitMs: env.WEBHOOK_API_TEST_WAIT_MS,
      shutdownTimeoutMs: env.WEBHOOK_API_SHUTDOWN_TIMEOUT_MS,
    },
    portal: {
      sessionTtlMs: env.WEBHOOK_PORTAL_SESSION_TTL_MS,
      publicUrl: env.WEBHOOK_PORTAL_PUBLIC_URL ?? null,
    },
    outbox: {
      pollMs: env.WEBHOOK_OUTBOX_POLL_MS,
      reconcileAfterMs: env.WEBHOOK_RECONCILE_AFTER_MS,
      reconcileIntervalMs: env.WEBHOOK_RECONCILE_INTERVAL_MS,
      redisLossCheckMs: env.WEBHOOK_REDIS_LOSS_CHECK_MS,
    },
    retention: { days: env.WEBHOOK_RETENTION_DAYS, intervalMs: env.WEBHOOK_RETENTION_INTERVAL_MS },
    admin:
      env.WEBHOOK_ADMIN_PORT === null
        ? null
        : { port: env.WEBHOOK_ADMIN_PORT, host: env.WEBHOOK_ADMIN_HOST },
  }));

/** Validated settings, as the rest of the code reads them. */
export type Settings = z.output<typeof settingsSchema>;

/** Retry schedule settings. */
export type RetrySettings = Settings['retry'];

/** Settings of the HTTP API service. */
export type ApiSettings = Settings['api'];

/** Settings of the web portal. */
export type PortalSettings = Settings['portal'];

/** The environment variable names {@link settingsSchema} reads. */
export type SettingsEnv = Partial<Record<keyof z.input<typeof settingsSchema>, string>>;

/**
 * Reads and validates settings from environment variables (default
 * `process.env`). Unset and empty variables take their defaults.
 *
 * @throws {WebhookError} `INVALID_SETTINGS`, with one line per bad variable.
 */
export function loadSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Settings {
  const keys = Object.keys(settingsSchema.in.shape);
  const picked: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = settingsSchema.safeParse(picked);
  if (result.success) return result.data;
  // One line per variable: the first problem found with each.
  const seen = new Set<string>();
  const issues = toIssues(result.error).filter((issue) => {
    const variable = issue.field.split('.')[0] ?? issue.field;
    if (seen.has(variable)) return false;
    seen.add(variable);
    return true;
  });
  throw new WebhookError({
    code: 'INVALID_SETTINGS',
    message: ['invalid settings:', ...issues.map((i) => `  ${i.field}: ${i.message}`)].join('\n'),
    issues,
    ...(issues[0] ? { field: issues[0].field } : {}),
  });
}
