import type { RedisConnection } from '@letta-webhooks/shared';

/** What the breaker says about sending to an endpoint now. */
export type BreakerDecision =
  /**
   * Closed: send. `counting`: the endpoint failed recently, so successes are
   * counted too (a healthy endpoint's successes cost no Redis write).
   */
  | { readonly kind: 'closed'; readonly counting: boolean }
  /** Half-open: this attempt is the probe; its outcome closes or reopens the breaker. */
  | { readonly kind: 'probe' }
  /** Open (or another probe in flight): do not send; come back at `retryAt` (ms epoch). */
  | { readonly kind: 'open'; readonly retryAt: number };

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Attempts in the window below which the breaker never opens; 0 turns breakers off. */
  readonly minAttempts: number;
  /** Failure rate (0–1) over a full window that opens the breaker. */
  readonly failureRate: number;
  /** The window the rate is measured over; an endpoint is observed this long before it can open. */
  readonly windowMs: number;
  /** How long an open breaker postpones deliveries before letting a probe through. */
  readonly cooldownMs: number;
  /** Key prefix (the queue prefix, so the breaker shares its Redis Cluster slot). */
  readonly prefix: string;
}

// The window is kept as this many buckets of counts, so it slides in steps of window / BUCKETS.
const BUCKETS = 6;
// Postponed deliveries come back within this long after the breaker's cooldown,
// the most-retried first (see comeBackAt).
const SPREAD_MS = 1_000;
// A breaker seen closed and healthy is trusted this long without asking Redis again.
const HEALTHY_CACHE_MS = 1_000;

// KEYS[1] state hash, KEYS[2] probe lock. ARGV: now, probe lock ms.
// Returns {0, counting} closed, {1, 0} probe, {2, until} open until, {3, ms} probe in flight for ms more.
const CHECK = `
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
local now = tonumber(ARGV[1])
if openUntil == 0 then return {0, redis.call('EXISTS', KEYS[1])} end
if now < openUntil then return {2, openUntil} end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return {1, 0} end
return {3, math.max(0, redis.call('PTTL', KEYS[2]))}
`;

// KEYS[1] state hash, KEYS[2] probe lock. ARGV: now, succeeded (1/0), was probe (1/0),
// bucket ms, buckets, min attempts, failure rate, window ms, cooldown ms, ttl ms.
// Returns 1 when this outcome opened (or reopened) the breaker, else 0.
const RECORD = `
local now = tonumber(ARGV[1])
local succeeded = ARGV[2] == '1'
if ARGV[3] == '1' then
  if succeeded then
    redis.call('DEL', KEYS[1], KEYS[2])
    return 0
  end
  redis.call('HSET', KEYS[1], 'open_until', now + tonumber(ARGV[9]))
  redis.call('DEL', KEYS[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[10])
  return 1
end
-- A healthy endpoint (no failure in the window) keeps no state: nothing to count.
if succeeded and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local bucket = math.floor(now / tonumber(ARGV[4]))
redis.call('HINCRBY', KEYS[1], (succeeded and 's:' or 'f:') .. bucket, 1)
redis.call('HSETNX', KEYS[1], 'since', now)
local oldest = bucket - tonumber(ARGV[5]) + 1
local ok, failed = 0, 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local kind, b = string.match(fields[i], '^([sf]):(%d+)$')
  if kind then
    if tonumber(b) < oldest then
      redis.call('HDEL', KEYS[1], fields[i])
    elseif kind == 's' then
      ok = ok + tonumber(fields[i + 1])
    else
      failed = failed + tonumber(fields[i + 1])
    end
  end
end
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if openUntil == 0 and failed == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[10])
local since = tonumber(redis.call('HGET', KEYS[1], 'since'))
if openUntil == 0 and ok + failed >= tonumber(ARGV[6]) and failed >= tonumber(ARGV[7]) * (ok + failed)
    and now - since >= tonumber(ARGV[8]) then
  redis.call('HSET', KEYS[1], 'open_until', now + tonumber(ARGV[9]))
  return 1
end
return 0
`;

/**
 * When a postponed delivery that has already made `attemptsMade` attempts
 * comes back, once the breaker may let a probe through at `at`: the more
 * retried a delivery, the sooner — so the probe is, whenever one is pending,
 * a delivery the receiver has already seen, which a partly healthy receiver
 * (say, one that fails the first attempts of every event) answers with a
 * success. Deliveries never attempted come back last.
 */
export function comeBackAt(at: number, attemptsMade: number, random = Math.random()): number {
  return at + Math.round((SPREAD_MS * (1 + random)) / (1 + Math.max(0, attemptsMade)));
}

/**
 * A per-endpoint circuit breaker shared by every worker process through
 * Redis. It decides on the failure *rate*: when at least `minAttempts`
 * attempts fell in the last `windowMs` and at least `failureRate` of them
 * failed — and the endpoint has been failing for a full window, so the early
 * retries of a receiver that fails only first attempts count before it is
 * judged — it opens. Deliveries to that endpoint are then postponed (not
 * attempted, not counted) for `cooldownMs`; then one probe goes through,
 * chosen among all pending deliveries of the endpoint, the most retried
 * first ({@link comeBackAt}). A successful probe closes the breaker and
 * starts a fresh window (so it stays closed at least a window); a failed one
 * reopens it.
 */
export class CircuitBreaker {
  readonly #redis: RedisConnection;
  readonly #options: CircuitBreakerOptions;
  readonly #healthyUntil = new Map<string, number>();

  constructor(redis: RedisConnection, options: CircuitBreakerOptions) {
    this.#redis = redis;
    this.#options = options;
  }

  #keys(endpointId: string): [string, string] {
    const base = `${this.#options.prefix}:breaker:${endpointId}`;
    return [base, `${base}:probe`];
  }

  /**
   * Whether to send to `endpointId` now. `attemptsMade` (the delivery's
   * attempts so far) orders the deliveries an open breaker postpones.
   */
  async check(
    endpointId: string,
    attemptsMade: number,
    now: number = Date.now(),
  ): Promise<BreakerDecision> {
    if (this.#options.minAttempts === 0) return { kind: 'closed', counting: false };
    if ((this.#healthyUntil.get(endpointId) ?? 0) > now) return { kind: 'closed', counting: false };
    const [state, lock] = this.#keys(endpointId);
    const [kind = 0, value = 0] = (await this.#redis.eval(
      CHECK,
      2,
      state,
      lock,
      now,
      this.#options.cooldownMs,
    )) as number[];
    switch (kind) {
      case 1:
        return { kind: 'probe' };
      case 2:
        return { kind: 'open', retryAt: comeBackAt(value, attemptsMade) };
      case 3:
        // A probe is in flight: look again about when it will have answered.
        return {
          kind: 'open',
          retryAt: comeBackAt(now + Math.min(value, SPREAD_MS), attemptsMade),
        };
      default:
        // Closed; `value` says whether the endpoint has failure state to count against.
        if (value === 0) {
          if (this.#healthyUntil.size > 10_000) this.#healthyUntil.clear();
          this.#healthyUntil.set(endpointId, now + HEALTHY_CACHE_MS);
        }
        return { kind: 'closed', counting: value !== 0 };
    }
  }

  /**
   * Records an attempt's outcome; resolves true when it opened the breaker.
   * A probe's success closes the breaker, its failure reopens it.
   */
  async record(
    endpointId: string,
    decision: BreakerDecision,
    succeeded: boolean,
    now: number = Date.now(),
  ): Promise<boolean> {
    if (this.#options.minAttempts === 0 || decision.kind === 'open') return false;
    // Nothing to count on the common path: a healthy endpoint's success costs no write.
    if (succeeded && decision.kind === 'closed' && !decision.counting) return false;
    if (!succeeded) this.#healthyUntil.delete(endpointId);
    const [state, lock] = this.#keys(endpointId);
    const { windowMs, cooldownMs } = this.#options;
    const opened = await this.#redis.eval(
      RECORD,
      2,
      state,
      lock,
      now,
      succeeded ? '1' : '0',
      decision.kind === 'probe' ? '1' : '0',
      Math.max(1, Math.ceil(windowMs / BUCKETS)),
      BUCKETS,
      this.#options.minAttempts,
      this.#options.failureRate,
      windowMs,
      cooldownMs,
      // State outlives the window and an open period, then resets itself.
      2 * windowMs + cooldownMs,
    );
    return opened === 1;
  }
}
