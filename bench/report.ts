// The benchmark's report: every figure the scenarios recorded, the CPU each
// process spent per unit of work, and each target with met/missed — printed
// as Markdown and written to bench/results.json (bench/results-quick.json
// for a quick run, which must not overwrite measured results).
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { benchFile } from './children.js';
import { compareCpu, cpuComparisonLines, readCommittedCpu } from './cpu-comparison.js';
import { round } from './stats.js';

/** One measured run of a pipeline: its rate, ratios to ceilings and CPU per unit. */
export interface RunRow {
  readonly run: string;
  /** Requests in flight the run allows (worker concurrency, or the per-endpoint cap). */
  readonly inFlight: number;
  /** Units of work done (deliveries, requests, jobs, published deliveries). */
  readonly units: number;
  readonly perSecond: number;
  /** This rate ÷ raw axios at the same in-flight count, when that ceiling ran. */
  readonly vsAxios?: number;
  /** This rate ÷ the bare pipeline at the same in-flight count, when it ran. */
  readonly vsBare?: number;
  /** CPU µs per unit, per process group (`worker`, `postgres (worker)`, `redis`, …). */
  readonly cpuMicrosPerUnit: Readonly<Record<string, number>>;
  /** Transactions committed in the bench's database per unit, when counted. */
  readonly transactionsPerUnit?: number;
}

/** A target and whether this run met it. */
export interface TargetRow {
  readonly figure: string;
  readonly measured: string;
  readonly target: string;
  readonly met: boolean;
}

/** Collects what scenarios measured; scenarios read earlier figures (ceilings) from it. */
export class Report {
  readonly figures: Record<string, number> = {};
  readonly runs: RunRow[] = [];
  readonly targets: TargetRow[] = [];

  /** Records one figure. */
  figure(name: string, value: number): void {
    this.figures[name] = value;
  }

  /** A figure recorded earlier in this run, if its scenario ran. */
  get(name: string): number | undefined {
    return this.figures[name];
  }

  /** Records one metered run. */
  run(row: RunRow): void {
    this.runs.push(row);
  }

  /**
   * Records a target. A figure whose scenario did not run (`--only`) is left
   * out; one that could not be computed is shown as missed.
   */
  target(
    figure: string,
    measured: number | undefined,
    goal: { readonly atLeast?: number; readonly atMost?: number; readonly text?: string },
    unit = '',
    digits = 2,
  ): void {
    if (measured === undefined) return;
    const ok = Number.isFinite(measured);
    const met =
      ok &&
      (goal.atLeast === undefined || measured >= goal.atLeast) &&
      (goal.atMost === undefined || measured <= goal.atMost);
    const target =
      goal.text ??
      [
        goal.atLeast === undefined ? '' : `≥ ${goal.atLeast}${unit}`,
        goal.atMost === undefined ? '' : `≤ ${goal.atMost}${unit}`,
      ]
        .filter(Boolean)
        .join(', ');
    this.targets.push({
      figure,
      measured: ok ? `${round(measured, digits)}${unit}` : 'n/a',
      target,
      met,
    });
  }

  /** Prints the report; `save` writes the results file too. */
  async publish(quick: boolean, save: boolean): Promise<void> {
    const machine = {
      date: new Date().toISOString(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '',
      memoryGb: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      quick,
    };
    // Read before this run may overwrite it: a step is checked against the last full run.
    const committed = quick ? undefined : await readCommittedCpu();
    const groups = [...new Set(this.runs.flatMap((row) => Object.keys(row.cpuMicrosPerUnit)))];
    const ratio = (value: number | undefined) => (value === undefined ? '' : String(round(value)));
    const lines = [
      `Letta webhooks benchmark — ${machine.date} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GiB, Node ${machine.node}${quick ? ' (QUICK: smoke test, figures not meaningful)' : ''}`,
      '',
      '| figure | measured | target | met |',
      '|---|---|---|---|',
      ...this.targets.map(
        (t) => `| ${t.figure} | ${t.measured} | ${t.target} | ${t.met ? 'yes' : 'NO'} |`,
      ),
      '',
      'Runs: rate, ratios to the ceilings at the same in-flight count, CPU µs per unit by process (from /proc)',
      '',
      `| run | in flight | units | per s | ÷ axios | ÷ bare | ${groups.join(' | ')} | total | pg xacts/unit |`,
      `|---|---|---|---|---|---|${groups.map(() => '---|').join('')}---|---|`,
      ...this.runs.map((row) => {
        const cpu = groups.map((g) => {
          const value = row.cpuMicrosPerUnit[g];
          return value === undefined ? '' : String(Math.round(value));
        });
        const total = Object.values(row.cpuMicrosPerUnit).reduce((a, b) => a + b, 0);
        const xacts =
          row.transactionsPerUnit === undefined ? '' : String(round(row.transactionsPerUnit, 3));
        return `| ${row.run} | ${row.inFlight} | ${row.units} | ${Math.round(row.perSecond)} | ${ratio(row.vsAxios)} | ${ratio(row.vsBare)} | ${cpu.join(' | ')} | ${Math.round(total)} | ${xacts} |`;
      }),
      '',
      ...cpuComparisonLines(
        committed,
        committed ? compareCpu(committed, this.runs, (run) => run.startsWith('e2e')) : [],
      ),
      '',
      '| raw figure | value |',
      '|---|---|',
      ...Object.entries(this.figures).map(([name, value]) => `| ${name} | ${round(value)} |`),
    ];
    console.log(lines.join('\n'));
    if (!save) return;
    await writeFile(
      benchFile(quick ? 'results-quick.json' : 'results.json'),
      `${JSON.stringify(
        { machine, targets: this.targets, runs: this.runs, figures: this.figures },
        (_key, value: unknown) => (typeof value === 'number' ? round(value, 3) : value),
        2,
      )}\n`,
    );
  }
}
