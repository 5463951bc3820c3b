import type { RedisConnection } from '@letta-webhooks/shared';

/** What the breaker says about sending to an endpoint now. */
export type BreakerDecision =
  /** Closed: send. `failures` is the current run of failures across all workers. */
  | { readonly kind: 'closed'; readonly failures: number }
  /** Half-open: this attempt is the one probe; its outcome closes or reopens the breaker. */
  | { readonly kind: 'probe' }
  /** Open: do not send; try again at `retryAt` (ms epoch). */
  | { readonly kind: 'open'; readonly retryAt: number };

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; 0 turns it off. */
  readonly threshold: number;
  /** How long an open breaker stays open before one probe is let through. */
  readonly cooldownMs: number;
  /** Key prefix (the queue prefix, so the breaker shares its Redis Cluster slot). */
  readonly prefix: string;
}

// KEYS[1] state hash, KEYS[2] probe lock. ARGV: now, probe lock ms, busy-probe delay ms.
// Returns {0, failures} closed, {1} probe, {2, retryAt} open.
const CHECK = `
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
local now = tonumber(ARGV[1])
if openUntil == 0 then
  return {0, tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')}
end
if now < openUntil then return {2, openUntil} end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return {1} end
return {2, now + tonumber(ARGV[3])}
`;

// KEYS[1] state hash, KEYS[2] probe lock. ARGV: now, threshold, cooldown ms, was probe (1/0), ttl ms.
const FAILURE = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if ARGV[4] == '1' or failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'open_until', tonumber(ARGV[1]) + tonumber(ARGV[3]))
  redis.call('DEL', KEYS[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return failures
`;

// State lives a day past the last failure, then resets itself.
const STATE_TTL_MS = 86_400_000;
// A breaker seen closed with no failures is trusted this long without asking Redis again.
const HEALTHY_CACHE_MS = 1_000;

/**
 * A per-endpoint circuit breaker shared by every worker process through
 * Redis. After `threshold` consecutive failures it opens: deliveries to that
 * endpoint are postponed (not attempted, not counted) until `cooldownMs` has
 * passed; then one probe goes through — success closes it, failure reopens it.
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

  /** Whether to send to `endpointId` now. */
  async check(endpointId: string, now: number = Date.now()): Promise<BreakerDecision> {
    if (this.#options.threshold === 0) return { kind: 'closed', failures: 0 };
    if ((this.#healthyUntil.get(endpointId) ?? 0) > now) return { kind: 'closed', failures: 0 };
    const [state, lock] = this.#keys(endpointId);
    const probeLockMs = this.#options.cooldownMs;
    const result = (await this.#redis.eval(
      CHECK,
      2,
      state,
      lock,
      now,
      probeLockMs,
      Math.min(1_000, this.#options.cooldownMs),
    )) as number[];
    const [kind, value] = result;
    if (kind === 1) return { kind: 'probe' };
    if (kind === 2) return { kind: 'open', retryAt: value ?? now };
    if ((value ?? 0) === 0) {
      if (this.#healthyUntil.size > 10_000) this.#healthyUntil.clear();
      this.#healthyUntil.set(endpointId, now + HEALTHY_CACHE_MS);
    }
    return { kind: 'closed', failures: value ?? 0 };
  }

  /** Records an attempt's outcome. A success after failures (or a probe) closes the breaker. */
  async record(
    endpointId: string,
    decision: BreakerDecision,
    succeeded: boolean,
    now: number = Date.now(),
  ): Promise<void> {
    if (this.#options.threshold === 0 || decision.kind === 'open') return;
    const [state, lock] = this.#keys(endpointId);
    if (succeeded) {
      // Nothing to reset on the common path: closed with no failures costs no write.
      if (decision.kind === 'probe' || decision.failures > 0) await this.#redis.del(state, lock);
      return;
    }
    this.#healthyUntil.delete(endpointId);
    const probe = decision.kind === 'probe' ? '1' : '0';
    await this.#redis.eval(
      FAILURE,
      2,
      state,
      lock,
      now,
      this.#options.threshold,
      this.#options.cooldownMs,
      probe,
      STATE_TTL_MS,
    );
  }
}
