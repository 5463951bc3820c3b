import type { BenchContext } from './context.js';

/**
 * One benchmark scenario: a file in bench/scenarios/ exporting it, listed in
 * bench/scenarios/index.ts. It records figures, runs and targets on
 * `ctx.report`; a scenario that compares against a ceiling reads the
 * ceiling's figure from the report (ceilings run first).
 */
export interface Scenario {
  /** Short kebab-case name (`--only NAME,NAME` selects scenarios by it). */
  readonly name: string;
  run(ctx: BenchContext): Promise<void>;
}
