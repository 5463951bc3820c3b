// CPU per unit of this run beside the committed bench/results.json: a
// redesign step is checked against the last full run by the figure a shared
// machine blurs least, per run and process, with changes past ±10 % flagged.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { benchFile } from './children.js';

/** A change larger than this share (either way) is flagged. */
export const CPU_CHANGE_FLAG = 0.1;

const committedSchema = z.object({
  machine: z.object({ date: z.string() }).loose(),
  runs: z
    .array(
      z.object({ run: z.string(), cpuMicrosPerUnit: z.record(z.string(), z.number()) }).loose(),
    )
    .default([]),
});

/** The committed full run's CPU per unit, by run name; undefined when there is none to read. */
export interface CommittedCpu {
  readonly date: string;
  readonly runs: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/** Reads the committed results (before this run overwrites them). */
export async function readCommittedCpu(
  file = benchFile('results.json'),
): Promise<CommittedCpu | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = committedSchema.safeParse(JSON.parse(text));
  if (!parsed.success) return undefined;
  return {
    date: parsed.data.machine.date,
    runs: new Map(parsed.data.runs.map((row) => [row.run, row.cpuMicrosPerUnit])),
  };
}

/** One process group of one run, now and in the committed results. */
export interface CpuChange {
  readonly run: string;
  readonly group: string;
  readonly now: number;
  readonly before: number;
  /** now ÷ before − 1. */
  readonly change: number;
  readonly flagged: boolean;
}

/** Every group of `runs` that the committed results measured too (e2e runs only when `filter` says so). */
export function compareCpu(
  committed: CommittedCpu,
  runs: readonly {
    readonly run: string;
    readonly cpuMicrosPerUnit: Readonly<Record<string, number>>;
  }[],
  filter: (run: string) => boolean = () => true,
): CpuChange[] {
  const changes: CpuChange[] = [];
  for (const row of runs) {
    const before = committed.runs.get(row.run);
    if (before === undefined || !filter(row.run)) continue;
    for (const [group, now] of Object.entries(row.cpuMicrosPerUnit)) {
      const was = before[group];
      if (was === undefined || was <= 0) continue;
      const change = now / was - 1;
      changes.push({
        run: row.run,
        group,
        now,
        before: was,
        change,
        flagged: Math.abs(change) > CPU_CHANGE_FLAG,
      });
    }
  }
  return changes;
}

/** The comparison as Markdown lines (a note when there is nothing to compare with). */
export function cpuComparisonLines(
  committed: CommittedCpu | undefined,
  changes: readonly CpuChange[],
): string[] {
  const heading = `CPU µs per unit vs the committed bench/results.json${committed ? ` (${committed.date})` : ''}, flagged past ±${String(CPU_CHANGE_FLAG * 100)} %`;
  if (committed === undefined || changes.length === 0)
    return [heading, '', 'nothing to compare: the committed results hold no matching run'];
  return [
    heading,
    '',
    '| run | process | now | committed | change | flag |',
    '|---|---|---|---|---|---|',
    ...changes.map(
      (c) =>
        `| ${c.run} | ${c.group} | ${String(Math.round(c.now))} | ${String(Math.round(c.before))} | ${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(0)} % | ${c.flagged ? (c.change > 0 ? 'MORE' : 'less') : ''} |`,
    ),
  ];
}
