// The shape most scenarios share: a burst of deliveries, a fault injected once
// 30 % of them succeeded, steady publishing while the fault lasts, recovery,
// and the contract checked for every publish.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultContext } from '../context.js';
import type { ScenarioOutcome } from '../scenario.js';
import type { Stage, StageOptions } from '../stage.js';
import { publishBurst, publishSteadily, type PublishRecord } from '../support/publisher.js';
import type { ContractAllowance } from '../support/contract.js';

/** What a fault did, for the report and the verdict. */
export interface FaultReport {
  readonly notes: string;
  /** Conditions of the scenario's own (beyond the contract). */
  readonly ok?: boolean;
  /** Requests allowed without their attempt row (a killed worker's in-flight attempts). */
  readonly missingAttemptRows?: number;
}

/** Options of {@link underLoad}. */
export interface UnderLoadOptions {
  readonly stage?: StageOptions;
  readonly workers?: number;
  /** Injects the fault and, unless the system must recover by itself, ends it. */
  readonly fault: (stage: Stage, inFlight: number) => Promise<FaultReport>;
  /** Starts workers of the scenario's own before the burst (besides `workers`). */
  readonly beforeBurst?: (stage: Stage) => void;
  /** Runs after the stage opens and before the burst; what it publishes joins the check. */
  readonly warmUp?: (stage: Stage) => Promise<PublishRecord[]>;
  /** Single events published per second while the fault lasts. Default 50. */
  readonly publishPerSecond?: number;
}

/** Runs a burst through a fault (see the file comment). */
export async function underLoad(
  ctx: FaultContext,
  options: UnderLoadOptions,
): Promise<ScenarioOutcome> {
  const stage = await ctx.stage(options.stage);
  const started = Date.now();
  try {
    await stage.endpoint('/ok', 'agent-f');
    for (let i = 0; i < (options.workers ?? 2); i++) stage.startWorker();
    options.beforeBurst?.(stage);
    const warm = (await options.warmUp?.(stage)) ?? [];
    const burst = [...warm, ...(await publishBurst(stage.producer, ctx.n, 'agent-f'))];
    const burstIds = burst.flatMap((r) => r.deliveryIds);
    const deadline = Date.now() + 120_000;
    while ((await stage.succeeded(burstIds)) < burstIds.length * 0.3) {
      if (Date.now() > deadline)
        throw new Error('30 % of the burst was not delivered within 120 s');
      await sleep(50);
    }
    const inFlight = (await stage.activeJobs()) + ctx.receiver.inFlight();
    const steady = publishSteadily(stage.producer, 'agent-f', options.publishPerSecond ?? 50);
    steady.fault(true);
    const report = await options.fault(stage, inFlight);
    steady.fault(false);
    // A little publishing after the fault too: the system must take it at once.
    await sleep(1_000);
    await steady.stop();
    const records = [...burst, ...steady.records];
    await stage.settle(
      records.flatMap((r) => r.deliveryIds),
      180_000,
    );
    const allow: ContractAllowance = {
      duplicates: inFlight,
      missingAttemptRows: report.missingAttemptRows ?? 0,
    };
    const contract = await stage.check(records, allow);
    return {
      contract,
      allowedDuplicates: inFlight,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ok: contract.ok && report.ok !== false,
      notes: report.notes,
    };
  } finally {
    await stage.close();
  }
}
