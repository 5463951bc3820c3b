import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.js';

/**
 * Latencies (ms) of `work` started at a steady `rate` per second for
 * `seconds`, on a schedule fixed in advance (open loop: a slow call does not
 * hold back the next). Each is timed from its own start: the driver is the
 * producer's process, so a stall of it delays the caller's code as well.
 */
export async function openLoop(
  rate: number,
  seconds: number,
  work: () => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(
      (async () => {
        const started = performance.now();
        await work();
        latencies.push(performance.now() - started);
      })(),
    );
  }
  await Promise.all(pending);
  return latencies;
}

/** Seconds of unmeasured load before a latency run (see {@link warmUp}). */
export const WARM_UP_SECONDS = 3;

/**
 * Runs `publish` at `rate` for {@link WARM_UP_SECONDS} and waits until the
 * receiver answered every delivery, then clears the receiver's counters
 * (`latency`: it records publish → receive times from then on). A
 * worker started cold (V8 still compiling, connections and prepared
 * statements not yet made) ran ~630 deliveries/s at one endpoint for its first
 * seconds and fell up to 1.3 s behind a 500/s load, which it took ~8 s to
 * catch up with: a 15 s run measured that start, not the steady state the
 * targets name. The publishes' first second was cold too (p50 63 ms).
 */
export async function warmUp(
  ctx: BenchContext,
  rate: number,
  publish: () => Promise<void>,
  options: { readonly latency: boolean },
): Promise<void> {
  const count = rate * (ctx.options.quick ? 1 : WARM_UP_SECONDS);
  const reached = ctx.receiver.next('reached');
  ctx.receiver.tell({ type: 'expect', count });
  await openLoop(rate, count / rate, publish);
  await reached;
  await ctx.receiver.ask({ type: 'reset', latency: options.latency });
}
