// The benchmark runner: `pnpm bench [--quick] [--profile] [--only NAME,NAME]`.
// Each scenario is a file in scenarios/ (listed in scenarios/index.ts); every
// e2e figure is read beside ceilings measured in this same run, on this
// machine, and with the CPU each process spent per delivery (from /proc),
// which a shared machine blurs far less than a rate. `--quick` is the CI
// smoke test (asserts nothing about speed); `--profile` writes CPU profiles
// of the delivery worker processes to bench/profiles/.
import { parseArgs } from 'node:util';
import { openContext } from './context.js';
import { scenarios } from './scenarios/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`,
    );
  const ctx = await openContext({ quick: values.quick, profile: values.profile });
  try {
    for (const scenario of scenarios) {
      if (only !== undefined && !only.includes(scenario.name)) continue;
      ctx.log(scenario.name);
      await scenario.run(ctx);
    }
  } finally {
    await ctx.close();
  }
  // A partial run (--only) prints but does not overwrite the full results.
  await ctx.report.publish(values.quick, only === undefined);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
