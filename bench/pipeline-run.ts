// One metered run of a pipeline (the project's worker, the bare pipeline, a
// no-op BullMQ worker, or raw axios): warm the measured processes up, then
// time N units of work and read every process's CPU before and after. The
// end is known without polling a database: the receiver says when it
// answered N requests, and workers say (over IPC) when N jobs completed.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Child } from './children.js';
import type { BenchContext, ChildMode, Target } from './context.js';

/** What a metered run measured. */
export interface PipelineResult {
  /** Units of work measured. */
  readonly units: number;
  readonly perSecond: number;
  /** CPU µs per unit, per process group. */
  readonly cpuMicrosPerUnit: Record<string, number>;
  /** Transactions committed in the bench's database per unit (every client's). */
  readonly transactionsPerUnit?: number;
}

// Committed transactions in the bench's database so far. Backends report
// their counts at most once a second, so the reading after a run waits that out.
async function committed(ctx: BenchContext, settle: boolean): Promise<number> {
  if (settle) await sleep(1_100);
  await sql`SELECT pg_stat_clear_snapshot()`.execute(ctx.db);
  const { rows } = await sql<{ n: string }>`
    SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()
  `.execute(ctx.db);
  return Number(rows[0]?.n ?? 0);
}

/** A run of queue-driven processes (`deliver`, `bare` or `noop`). */
export interface QueueRun {
  readonly mode: Exclude<ChildMode, 'axios'>;
  readonly target: Target;
  readonly deliveries: number;
  readonly workers: number;
  readonly concurrency: number;
  /** Extra worker settings. */
  readonly env?: Readonly<Record<string, string>>;
}

const perUnit = (used: Record<string, number>, units: number) =>
  Object.fromEntries(Object.entries(used).map(([group, micros]) => [group, micros / units]));

const warmUpOf = (ctx: BenchContext) => (ctx.options.quick ? 200 : 2_000);

/** Enqueues `count` jobs of `run` (published through the producer for `deliver`); returns how many. */
async function enqueue(ctx: BenchContext, run: QueueRun, count: number): Promise<number> {
  const { urls } = ctx.endpoints[run.target];
  if (run.mode === 'deliver') {
    await ctx.publish(count, run.target);
    return Math.ceil(count / urls.length) * urls.length;
  }
  for (let i = 0; i < count; i += 1_000) {
    const jobs = Array.from({ length: Math.min(1_000, count - i) }, (_, j) => ({
      name: run.mode,
      data: { id: `dlv_bench_${String(i + j)}`, url: urls[(i + j) % urls.length], body: ctx.body },
      opts: { removeOnComplete: true },
    }));
    await ctx.queue.addBulk(jobs);
  }
  return count;
}

async function drain(ctx: BenchContext, run: QueueRun, children: readonly Child[], count: number) {
  if (run.mode === 'noop') {
    await ctx.completed(children, count);
    return;
  }
  const reached = ctx.receiver.next('reached');
  ctx.receiver.tell({ type: 'expect', count });
  await reached;
}

/** Runs `run`: a warm-up, then `run.deliveries` metered. */
export async function queueRun(ctx: BenchContext, run: QueueRun): Promise<PipelineResult> {
  await ctx.reset();
  await ctx.queue.pause();
  const children = await ctx.start(run.mode, run.workers, {
    WEBHOOK_WORKER_CONCURRENCY: String(run.concurrency),
    ...run.env,
  });
  try {
    const warm = await enqueue(ctx, run, warmUpOf(ctx));
    await ctx.queue.resume();
    await ctx.completed(children, warm);
    await ctx.queue.pause();
    await ctx.receiver.ask({ type: 'reset' });

    const units = await enqueue(ctx, run, run.deliveries);
    const transactions = await committed(ctx, true);
    const meter = await ctx.meter(children);
    const started = performance.now();
    await ctx.queue.resume();
    await drain(ctx, run, children, units);
    const seconds = (performance.now() - started) / 1000;
    // Rate is to the last request answered; CPU includes recording the last attempts.
    await ctx.completed(children, warm + units);
    const used = await meter.stop();
    const transactionsPerUnit = ((await committed(ctx, true)) - transactions) / units;
    await verify(ctx, run, warm + units);
    return {
      units,
      perSecond: units / seconds,
      cpuMicrosPerUnit: perUnit(used, units),
      transactionsPerUnit,
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

// One cheap query at the end: everything measured is recorded.
async function verify(ctx: BenchContext, run: QueueRun, expected: number): Promise<void> {
  if (run.mode === 'noop') return;
  const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.raw(
    run.mode === 'deliver'
      ? "webhook_deliveries WHERE status = 'succeeded'"
      : 'bench_bare_attempts',
  )}`.execute(ctx.db);
  const n = rows[0]?.n ?? '0';
  if (Number(n) < expected)
    throw new Error(`${run.mode}: ${n} of ${String(expected)} deliveries recorded`);
}

/** Raw axios POSTs of `ctx.body` to `target`'s URLs, `inFlight` at a time. */
export async function axiosRun(
  ctx: BenchContext,
  target: Target,
  inFlight: number,
  requests: number,
): Promise<PipelineResult> {
  await ctx.reset();
  const [client] = await ctx.start('axios', 1, {
    BENCH_URLS: ctx.endpoints[target].urls.join(' '),
    BENCH_IN_FLIGHT: String(inFlight),
    BENCH_REQUESTS: String(requests),
    BENCH_WARMUP: String(warmUpOf(ctx)),
    BENCH_BODY: ctx.body,
  });
  if (client === undefined) throw new Error('no axios client started');
  try {
    const meter = await ctx.meter([client]);
    const done = client.next<{ rate: number }>('done');
    client.tell({ type: 'go' });
    const { rate } = await done;
    const used = await meter.stop();
    return { units: requests, perSecond: rate, cpuMicrosPerUnit: perUnit(used, requests) };
  } finally {
    await client.stop();
  }
}

/** Requests in flight a worker at `concurrency` can have to `target` (the per-endpoint cap binds one endpoint). */
export function inFlightOf(ctx: BenchContext, target: Target, concurrency: number): number {
  return target === 'one' ? Math.min(concurrency, ctx.inFlightCap) : concurrency;
}

/** Figure names of the ceilings at each target's in-flight count. */
export const ceilingFigure = {
  axios: (target: Target) => `ceilingAxios${target === 'one' ? 'One' : 'FanOut'}PerSecond`,
  bare: (target: Target) => `ceilingBare${target === 'one' ? 'One' : 'FanOut'}PerSecond`,
};

/** `value ÷ the figure named`, when that ceiling ran. */
export function ratioTo(ctx: BenchContext, value: number, figure: string): number | undefined {
  const ceiling = ctx.report.get(figure);
  return ceiling === undefined ? undefined : value / ceiling;
}

/** The project's worker end to end (publish → worker → receiver → Postgres), recorded as a run. */
export async function e2eRun(
  ctx: BenchContext,
  target: Target,
  workers: number,
  concurrency: number,
): Promise<PipelineResult & { vsAxios?: number; vsBare?: number }> {
  const result = await queueRun(ctx, {
    mode: 'deliver',
    target,
    deliveries: ctx.sizes.e2e,
    workers,
    concurrency,
  });
  const vsAxios = ratioTo(ctx, result.perSecond, ceilingFigure.axios(target));
  const vsBare = ratioTo(ctx, result.perSecond, ceilingFigure.bare(target));
  const row = {
    ...result,
    ...(vsAxios === undefined ? {} : { vsAxios }),
    ...(vsBare === undefined ? {} : { vsBare }),
  };
  ctx.report.run({
    run: `e2e: ${String(workers)} worker${workers > 1 ? 's' : ''}, ${target}`,
    inFlight: inFlightOf(ctx, target, concurrency) * workers,
    ...row,
  });
  return row;
}
