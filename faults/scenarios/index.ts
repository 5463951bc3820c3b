import type { FaultScenario } from '../scenario.js';
import { evictingPolicy } from './evicting-policy.js';
import { misbehavingReceivers } from './misbehaving-receivers.js';
import { partlyFailingReceiver } from './partly-failing-receiver.js';
import { postgresCut } from './postgres-cut.js';
import { postgresTerminate } from './postgres-terminate.js';
import { redisOom } from './redis-oom.js';
import { redisRestartEmpty } from './redis-restart-empty.js';
import { redisRestartPersistent } from './redis-restart-persistent.js';
import { sigkill } from './sigkill.js';
import { sigterm } from './sigterm.js';
import { threeWorkers } from './three-workers.js';

/** Every scenario, in the order the suite runs them. */
export const scenarios: readonly FaultScenario[] = [
  sigkill,
  sigterm,
  threeWorkers,
  redisRestartPersistent,
  redisRestartEmpty,
  redisOom,
  evictingPolicy,
  postgresCut,
  postgresTerminate,
  misbehavingReceivers,
  partlyFailingReceiver,
];
