// The suite's report: one Markdown table, one row per scenario.
import type { ScenarioOutcome } from './scenario.js';

/** Prints the table; returns whether every scenario passed. */
export function printReport(rows: readonly { name: string; outcome: ScenarioOutcome }[]): boolean {
  console.log(
    '| scenario | published | refused publishes | publish p99 during fault (ms) | lost | duplicates (allowed) | requests without attempt row | leftover jobs / pending rows | seconds | ok | notes |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { name, outcome } of rows) {
    const c = outcome.contract;
    const refused =
      Object.entries(c.refused)
        .map(([code, n]) => `${n} ${code}`)
        .join(', ') || '0';
    console.log(
      `| ${name} | ${c.published} | ${refused} | ${c.faultPublishP99Ms ?? '–'} | ${c.lost} | ${c.duplicates} (${outcome.allowedDuplicates}) | ${c.missingAttemptRows} | ${c.leftoverJobs} / ${c.pendingRows} | ${outcome.seconds} | ${outcome.ok ? 'yes' : 'NO'} | ${outcome.notes} |`,
    );
  }
  return rows.every((r) => r.outcome.ok);
}
