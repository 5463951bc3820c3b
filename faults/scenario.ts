import type { FaultContext } from './context.js';
import type { ContractResult } from './support/contract.js';

/** How one scenario ended. */
export interface ScenarioOutcome {
  readonly contract: ContractResult;
  /** Duplicates the scenario allowed (deliveries in flight when the fault hit). */
  readonly allowedDuplicates: number;
  readonly seconds: number;
  /** The contract held and every scenario-specific condition too. */
  readonly ok: boolean;
  /** What happened, for the report (figures the scenario measured). */
  readonly notes: string;
}

/** One fault scenario: a file in scenarios/ exporting it, listed in scenarios/index.ts. */
export interface FaultScenario {
  /** Short name, for `--only` and the report. */
  readonly name: string;
  run(ctx: FaultContext): Promise<ScenarioOutcome>;
}
