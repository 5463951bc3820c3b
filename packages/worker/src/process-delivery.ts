import {
  deliveryJobSchema,
  urlRefusal,
  type AddressGuard,
  type DeliveryStatus,
  type RetrySettings,
} from '@letta-webhooks/shared';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { retryDelay } from './backoff.js';
import { classifyAttempt } from './classify-attempt.js';
import { deliveryHeaders } from './delivery-headers.js';
import type { DeliveryRecorder } from './delivery-recorder.js';
import type { EndpointCache } from './endpoint-cache.js';
import type { HttpAttemptResult } from './http/attempt-result.js';
import type { WebhookSender } from './http/webhook-sender.js';
import { RetryableDeliveryError } from './retryable-delivery-error.js';

/** What the processor needs. */
export interface ProcessorDeps {
  readonly endpoints: EndpointCache;
  readonly recorder: DeliveryRecorder;
  readonly sender: WebhookSender;
  readonly guard: AddressGuard;
  readonly retry: RetrySettings;
  readonly logger: Logger;
  /** Tells other processes that this worker changed an endpoint (disabled it). */
  readonly onEndpointChanged: (endpointId: string) => Promise<void>;
}

/** How a job ended, as the job's return value. */
export type ProcessResult = DeliveryStatus | 'dropped';

// A job aborted by shutdown goes back to the queue this soon, without using up an attempt.
const SHUTDOWN_REQUEUE_DELAY_MS = 1_000;

/**
 * The BullMQ processor: one attempt of one delivery. Returns when the
 * delivery is settled; throws `RetryableDeliveryError` for BullMQ to retry
 * with backoff and `UnrecoverableError` for a permanent failure.
 */
export function createProcessor(deps: ProcessorDeps) {
  return async function processDelivery(
    job: Job,
    token?: string,
    signal?: AbortSignal,
  ): Promise<ProcessResult> {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) {
      deps.logger.error(
        { jobId: job.id, issues: parsed.error.issues.length },
        'malformed delivery job; not retried',
      );
      throw new UnrecoverableError('malformed delivery job data');
    }
    const data = parsed.data;
    const log = deps.logger.child({
      deliveryId: data.deliveryId,
      eventId: data.eventId,
      endpointId: data.endpointId,
    });

    const endpoint = await deps.endpoints.get(data.endpointId);
    if (endpoint === undefined) {
      log.warn('endpoint row does not exist; delivery dropped');
      return 'dropped';
    }
    const trigger = data.trigger ?? 'scheduled';
    const state = await deps.recorder.ensureDelivery(data);
    // A re-published event finds its delivery settled; a manual resend sends regardless.
    if (state.status !== 'pending' && trigger === 'scheduled') {
      log.debug({ status: state.status }, 'delivery already settled; nothing sent');
      return state.status;
    }
    if (endpoint.blockedReason !== null) {
      await deps.recorder.cancel(data.deliveryId, endpoint.blockedReason);
      log.info({ reason: endpoint.blockedReason }, 'delivery cancelled');
      return 'cancelled';
    }

    // Numbered across the delivery's whole life, resends included.
    const attemptNumber = state.attemptCount + 1;
    const refusal = urlRefusal(endpoint.url, deps.guard);
    const result: HttpAttemptResult =
      refusal === undefined
        ? await deps.sender.send({
            url: endpoint.url,
            body: data.body,
            headers: deliveryHeaders(data, attemptNumber, endpoint.secrets),
            ...(signal === undefined ? {} : { signal }),
          })
        : {
            startedAt: new Date(),
            durationMs: 0,
            truncated: false,
            error: { kind: 'refused_url', message: refusal },
          };

    const verdict = classifyAttempt(result);
    const retry = job.attemptsMade + 1;
    const lastAttempt = retry >= (job.opts.attempts ?? 1);
    const aborted = verdict.errorKind === 'aborted';
    const delayMs =
      verdict.outcome === 'retryable' && (!lastAttempt || aborted)
        ? aborted
          ? SHUTDOWN_REQUEUE_DELAY_MS
          : retryDelay(retry, deps.retry, verdict.retryAfterMs)
        : undefined;
    const nextStatus: DeliveryStatus =
      verdict.outcome === 'succeeded' ? 'succeeded' : delayMs === undefined ? 'failed' : 'pending';

    const recorded = await deps.recorder.recordAttempt({
      deliveryId: data.deliveryId,
      endpointId: data.endpointId,
      attemptNumber,
      trigger,
      result,
      verdict,
      status: nextStatus,
      nextAttemptAt: delayMs === undefined ? null : new Date(Date.now() + delayMs),
    });
    if (recorded.endpointDisabled) {
      deps.endpoints.forget(data.endpointId);
      await deps.onEndpointChanged(data.endpointId);
      log.warn('endpoint disabled');
    }
    log.info(
      {
        attempt: attemptNumber,
        statusCode: result.statusCode,
        outcome: verdict.outcome,
        next: nextStatus,
        ms: result.durationMs,
      },
      verdict.errorMessage ?? 'delivered',
    );

    switch (verdict.outcome) {
      case 'succeeded':
        return 'succeeded';
      case 'permanent':
        throw new UnrecoverableError(verdict.errorMessage ?? 'permanent failure');
      case 'retryable':
        if (aborted && token !== undefined) {
          // Shutdown: hand the job back without spending one of its attempts.
          await job.moveToDelayed(Date.now() + SHUTDOWN_REQUEUE_DELAY_MS, token);
          throw new DelayedError();
        }
        if (delayMs === undefined)
          throw new UnrecoverableError(verdict.errorMessage ?? 'retries exhausted');
        throw new RetryableDeliveryError(verdict.errorMessage ?? 'attempt failed', delayMs);
    }
  };
}
