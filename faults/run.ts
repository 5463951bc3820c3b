// The fault suite: `pnpm faults [--quick] [--only NAME,NAME]`. Real worker
// processes on loopback, each scenario on a redis-server of its own, faults
// injected for real, and for each scenario the no-loss contract checked from
// the outside (support/contract.ts). Each scenario is a file in scenarios/
// (listed in scenarios/index.ts). `--quick` is the bounded form CI runs.
import { parseArgs } from 'node:util';
import { openContext } from './context.js';
import { printReport } from './report.js';
import type { ScenarioOutcome } from './scenario.js';
import { scenarios } from './scenarios/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`,
    );
  const ctx = await openContext({ quick: values.quick });
  const rows: { name: string; outcome: ScenarioOutcome }[] = [];
  try {
    for (const scenario of scenarios) {
      if (only !== undefined && !only.includes(scenario.name)) continue;
      ctx.log(scenario.name);
      rows.push({ name: scenario.name, outcome: await scenario.run(ctx) });
    }
  } finally {
    await ctx.close();
  }
  if (!printReport(rows)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
