import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultContext } from '../context.js';
import type { FaultScenario } from '../scenario.js';
import { publishBurst } from '../support/publisher.js';
import type { ContractResult } from '../support/contract.js';

/**
 * Every delivery succeeds within its first three attempts — at 0 s, ~10 s
 * and ~30 s at the default schedule (jitter only shortens it) — so a burst is
 * delivered this long after its last first attempt, breaker or not.
 */
const BOUND_MS = 45_000;

/** One burst to a receiver failing the first two attempts of every event; how long until all succeeded. */
async function burst(
  ctx: FaultContext,
  extraEnv: Readonly<Record<string, string>>,
): Promise<{ ms: number; contract: ContractResult & { ok: boolean } }> {
  // Production timings: default lock and stalled intervals, default backoff, breaker at its defaults.
  const stage = await ctx.stage({ productionTimings: true, env: extraEnv });
  try {
    await stage.endpoint('/partly', 'agent-p', {
      kind: 'status',
      status: (_request, seen) => (seen <= 2 ? 503 : 204),
    });
    for (let i = 0; i < 2; i++) stage.startWorker();
    const started = Date.now();
    const records = await publishBurst(stage.producer, ctx.quick ? 500 : 2_000, 'agent-p');
    const ids = records.flatMap((r) => r.deliveryIds);
    const deadline = started + 4 * BOUND_MS;
    while ((await stage.succeeded(ids)) < ids.length && Date.now() < deadline) await sleep(200);
    const ms = Date.now() - started;
    return { ms, contract: await stage.check(records, { duplicates: 0 }) };
  } finally {
    await stage.close();
  }
}

/**
 * A partly healthy receiver (it fails the first two attempts of every event)
 * at production timings: with the breaker at its defaults everything is
 * delivered within the bound, at ≥ 0.9× the rate with the breaker off.
 */
export const partlyFailingReceiver: FaultScenario = {
  name: 'partly failing receiver (production timings)',
  async run(ctx) {
    const started = Date.now();
    const on = await burst(ctx, {});
    const off = await burst(ctx, { WEBHOOK_BREAKER_MIN_ATTEMPTS: '0' });
    const n = on.contract.published;
    const rateOn = n / (on.ms / 1000);
    const rateOff = n / (off.ms / 1000);
    const ratio = Math.round((rateOn / rateOff) * 100) / 100;
    return {
      contract: on.contract,
      allowedDuplicates: 0,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ok: on.contract.ok && off.contract.ok && on.ms <= BOUND_MS && ratio >= 0.9,
      notes: `${n} deliveries, 3 attempts each: all succeeded in ${Math.round(on.ms / 100) / 10} s with the breaker at defaults (bound ${BOUND_MS / 1000} s), ${Math.round(off.ms / 100) / 10} s with it off: ${Math.round(rateOn)}/s vs ${Math.round(rateOff)}/s = ${ratio}× (target ≥ 0.9)`,
    };
  },
};
