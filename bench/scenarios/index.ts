import type { Scenario } from '../scenario.js';
import { apiIngest } from './api-ingest.js';
import { ceilingAxios } from './ceiling-axios.js';
import { ceilingBarePipeline } from './ceiling-bare-pipeline.js';
import { ceilingNoop } from './ceiling-noop.js';
import { ceilingQueueAdd } from './ceiling-queue-add.js';
import { e2eFanOut } from './e2e-fan-out.js';
import { e2eOneEndpoint } from './e2e-one-endpoint.js';
import { e2eTwoWorkers } from './e2e-two-workers.js';
import { isolation } from './isolation.js';
import { latency } from './latency.js';
import { memory } from './memory.js';
import { portal } from './portal.js';
import { publish } from './publish.js';

/** Every scenario, in the order they run: ceilings first (later scenarios compare against them). */
export const scenarios: readonly Scenario[] = [
  ceilingNoop,
  ceilingAxios,
  ceilingBarePipeline,
  ceilingQueueAdd,
  publish,
  apiIngest,
  e2eOneEndpoint,
  e2eFanOut,
  e2eTwoWorkers,
  latency,
  isolation,
  memory,
  portal,
];
