import type { QueryExecutorProvider } from 'kysely';
import type { PublishResult } from '../publish-event.js';
import { commitEvents, type EventToCommit } from './commit-events.js';

/**
 * The transactional form (`{ transaction }`): writes an event and its
 * deliveries inside the caller's transaction; the workers' relay enqueues
 * them once the caller commits. A repeated event id answers as in the
 * durable mode.
 *
 * @throws {WebhookError} `CONFLICT` when the event id was published with another input.
 */
export async function writeOutbox(
  transaction: QueryExecutorProvider,
  item: EventToCommit,
): Promise<PublishResult> {
  const [outcome] = await commitEvents({ executor: transaction }, [item], false);
  if (outcome === undefined) throw new Error('writeOutbox: no outcome');
  if (outcome.kind === 'conflict') throw outcome.error;
  return outcome.result;
}
