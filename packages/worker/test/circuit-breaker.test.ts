// The breaker's decisions, on real Redis, with the clock passed in: no test
// here waits for time to pass.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import {
  CircuitBreaker,
  comeBackAt,
  type BreakerDecision,
  type CircuitBreakerOptions,
} from '../src/isolation/circuit-breaker.js';

let ctx: TestContext;
let endpointSeq = 0;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

const WINDOW = 60_000;
const COOLDOWN = 30_000;

function breaker(overrides: Partial<CircuitBreakerOptions> = {}) {
  return new CircuitBreaker(ctx.redis, {
    minAttempts: 20,
    failureRate: 0.9,
    windowMs: WINDOW,
    cooldownMs: COOLDOWN,
    prefix: ctx.settings.queuePrefix,
    ...overrides,
  });
}

/** Sends one attempt through the breaker at `now`: check, then record the outcome. */
async function attempt(
  b: CircuitBreaker,
  endpointId: string,
  now: number,
  succeeded: boolean,
  attemptsMade = 0,
): Promise<BreakerDecision> {
  const decision = await b.check(endpointId, attemptsMade, now);
  if (decision.kind !== 'open') await b.record(endpointId, decision, succeeded, now);
  return decision;
}

describe('circuit breaker', () => {
  it('never opens before the endpoint has failed for a full window, then opens on the rate', async () => {
    const b = breaker();
    const id = `ep_dead${++endpointSeq}`;
    const t0 = 1_000_000_000_000;
    // 1,000 failures in the first second: a burst, not yet a verdict.
    for (let i = 0; i < 1_000; i++) {
      expect((await attempt(b, id, t0 + i, false)).kind).toBe('closed');
    }
    // Still failing a full window later: open.
    let opened: BreakerDecision | undefined;
    for (let t = t0 + 1_000; t <= t0 + WINDOW + 1_000; t += 1_000) {
      const decision = await attempt(b, id, t, false);
      if (decision.kind === 'open') {
        opened = decision;
        break;
      }
    }
    expect(opened?.kind).toBe('open');
  });

  it('stays closed for a receiver that fails the first two attempts of every event (rate 2/3)', async () => {
    const b = breaker();
    const id = `ep_partly${++endpointSeq}`;
    const t0 = 1_000_000_000_000;
    // 5 events a second for three windows: each event's attempt 1 fails at t,
    // attempt 2 fails at t + 10 s, attempt 3 succeeds at t + 30 s (the default schedule).
    const events: { at: number; attemptsMade: number }[] = [];
    for (let t = t0; t < t0 + 3 * WINDOW; t += 200) events.push({ at: t, attemptsMade: 0 });
    const timeline: { at: number; attemptsMade: number }[] = [];
    for (const e of events) {
      timeline.push(
        e,
        { at: e.at + 10_000, attemptsMade: 1 },
        { at: e.at + 30_000, attemptsMade: 2 },
      );
    }
    timeline.sort((a, b2) => a.at - b2.at);
    for (const step of timeline) {
      const decision = await attempt(b, id, step.at, step.attemptsMade === 2, step.attemptsMade);
      expect(decision.kind).toBe('closed');
    }
  });

  it('lets a probe through after the cooldown; a success closes it and starts a fresh window', async () => {
    const b = breaker({ minAttempts: 3 });
    const id = `ep_probe${++endpointSeq}`;
    const t0 = 1_000_000_000_000;
    await attempt(b, id, t0, false);
    for (let i = 0; i < 3; i++) await attempt(b, id, t0 + WINDOW + i, false);
    const open = await b.check(id, 0, t0 + WINDOW + 10);
    expect(open.kind).toBe('open');
    const after = t0 + WINDOW + 2 + COOLDOWN;
    const probe = await b.check(id, 2, after);
    expect(probe).toEqual({ kind: 'probe' });
    // A second delivery while the probe is out waits for it.
    expect((await b.check(id, 0, after + 1)).kind).toBe('open');
    await b.record(id, probe, true, after + 5);
    expect(await ctx.redis.exists(`${ctx.settings.queuePrefix}:breaker:${id}`)).toBe(0);
    // Fresh window: failures right after closing cannot reopen it at once.
    for (let i = 0; i < 10; i++) {
      expect((await attempt(b, id, after + 10 + i, false)).kind).toBe('closed');
    }
  });

  it('a failed probe reopens it for another cooldown', async () => {
    const b = breaker({ minAttempts: 1 });
    const id = `ep_reopen${++endpointSeq}`;
    const t0 = 1_000_000_000_000;
    await attempt(b, id, t0, false);
    await attempt(b, id, t0 + WINDOW, false);
    const probeAt = t0 + WINDOW + COOLDOWN + 1;
    const probe = await b.check(id, 1, probeAt);
    expect(probe.kind).toBe('probe');
    await b.record(id, probe, false, probeAt);
    const again = await b.check(id, 1, probeAt + 1);
    expect(again.kind).toBe('open');
    expect(again.kind === 'open' && again.retryAt).toBeGreaterThan(probeAt + COOLDOWN);
  });

  it('postponed deliveries come back most-retried first, never-attempted last', () => {
    const at = 1_000;
    const worstRetried = comeBackAt(at, 1, 0.999);
    const bestFresh = comeBackAt(at, 0, 0);
    expect(worstRetried).toBeLessThanOrEqual(bestFresh);
    expect(comeBackAt(at, 5, 0.999)).toBeLessThan(comeBackAt(at, 1, 0));
    expect(comeBackAt(at, 0, 0)).toBeGreaterThan(at);
  });

  it('a healthy endpoint keeps no state, and 0 attempts turns breakers off', async () => {
    const b = breaker();
    const id = `ep_healthy${++endpointSeq}`;
    for (let i = 0; i < 5; i++) await attempt(b, id, 1_000_000_000_000 + i, true);
    expect(await ctx.redis.exists(`${ctx.settings.queuePrefix}:breaker:${id}`)).toBe(0);
    const off = breaker({ minAttempts: 0 });
    for (let i = 0; i < 50; i++)
      await attempt(off, 'ep_off', 1_000_000_000_000 + i * WINDOW, false);
    expect(await ctx.redis.exists(`${ctx.settings.queuePrefix}:breaker:ep_off`)).toBe(0);
  });
});
