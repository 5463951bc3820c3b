import {
  envelopeMismatch,
  type AddressGuard,
  type DeliveryJobData,
  type JobAuthenticator,
  type DeliveryStatus,
} from '@letta-webhooks/shared';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { classifyAttempt, type AttemptVerdict } from './classify-attempt.js';
import { deliveryHeaders } from './delivery-headers.js';
import type { DeliveryRecorder } from './recording/delivery-recorder.js';
import type { DeliveryTarget, EndpointCache } from './endpoint-cache.js';
import type { HttpAttemptResult } from './http/attempt-result.js';
import { UrlRefusalMemo } from './http/url-refusal-memo.js';
import type { WebhookSender } from './http/webhook-sender.js';
import type { BreakerDecision, CircuitBreaker } from './isolation/circuit-breaker.js';
import type { InFlightLimiter } from './isolation/in-flight-limiter.js';
import { jobLog, type JobLog } from './job-log.js';
import type { WorkerMetrics } from './observability/metrics.js';
import { RetryableDeliveryError } from './retry/retryable-delivery-error.js';
import type { RetryPolicy } from './retry/retry-policy.js';

/** What the processor needs. */
export interface ProcessorDeps {
  readonly endpoints: EndpointCache;
  /** Verifies each job's MAC before anything else is done with it. */
  readonly jobAuth: JobAuthenticator;
  readonly recorder: DeliveryRecorder;
  readonly sender: WebhookSender;
  readonly guard: AddressGuard;
  readonly breaker: CircuitBreaker;
  readonly limiter: InFlightLimiter;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** Tells other processes that this worker changed an endpoint (disabled it). */
  readonly onEndpointChanged: (endpointId: string) => Promise<void>;
}

/** How a job ended, as the job's return value. */
export type ProcessResult = DeliveryStatus | 'dropped';

// A job whose endpoint is at its in-flight cap waits this long for a slot (a
// fast endpoint frees one in milliseconds), then comes back after about IN_FLIGHT_REQUEUE_MS.
const IN_FLIGHT_WAIT_MS = 100;
const IN_FLIGHT_REQUEUE_MS = 250;
// The error kind of a job refused unsent (MAC or envelope): never retried.
const REJECTED = 'rejected_job';

/** Hands a job back to BullMQ for later without spending one of its attempts. */
async function postpone(job: Job, token: string | undefined, at: number): Promise<never> {
  if (token === undefined) throw new Error('cannot postpone a job without its lock token');
  await job.moveToDelayed(Math.round(at), token);
  throw new DelayedError();
}

/**
 * The BullMQ processor: one attempt of one delivery. Returns when the
 * delivery is settled; throws `RetryableDeliveryError` for BullMQ to retry
 * with backoff, `UnrecoverableError` for a permanent failure, and
 * `DelayedError` after postponing a job (endpoint busy, breaker open,
 * shutdown) without using up an attempt.
 */
export function createProcessor(deps: ProcessorDeps) {
  const refusals = new UrlRefusalMemo(deps.guard);

  async function breakerCheck(
    endpointId: string,
    attemptsMade: number,
    log: JobLog,
  ): Promise<BreakerDecision> {
    try {
      return await deps.breaker.check(endpointId, attemptsMade);
    } catch (error) {
      // Fail open: a breaker we cannot read must not stop deliveries.
      log.warn({ err: String(error) }, 'circuit breaker unavailable; sending');
      return { kind: 'closed', counting: false };
    }
  }

  async function attempt(
    data: DeliveryJobData,
    endpoint: DeliveryTarget,
    attemptNumber: number,
    signal: AbortSignal | undefined,
  ): Promise<{ result: HttpAttemptResult; verdict: AttemptVerdict }> {
    // Nothing is sent when this process cannot sign (a key is missing) or the URL is refused.
    const refusal = refusals.refusal(endpoint.url);
    const unsent =
      endpoint.configurationError !== null
        ? { kind: 'configuration' as const, message: endpoint.configurationError }
        : refusal === undefined
          ? undefined
          : { kind: 'refused_url' as const, message: refusal };
    const result: HttpAttemptResult =
      unsent === undefined
        ? await deps.sender.send({
            url: endpoint.url,
            body: data.body,
            headers: deliveryHeaders(data, attemptNumber, endpoint.secrets),
            ...(signal === undefined ? {} : { signal }),
          })
        : { startedAt: new Date(), durationMs: 0, truncated: false, error: unsent };
    return { result, verdict: classifyAttempt(result) };
  }

  return async function processDelivery(
    job: Job,
    token?: string,
    signal?: AbortSignal,
  ): Promise<ProcessResult> {
    // Redis is not trusted: nothing in the job is used (not even its ids, to
    // record anything) until its MAC is verified.
    const verified = deps.jobAuth.verify(job.data);
    if (!verified.ok) {
      deps.metrics.rejectedJob('mac');
      deps.logger.error(
        { jobId: job.id, errorKind: REJECTED, reason: verified.reason },
        'delivery job refused: not authenticated; nothing sent, not retried',
      );
      throw new UnrecoverableError(`${REJECTED}: ${verified.reason}`);
    }
    const data = verified.job;
    const log = jobLog(deps.logger, {
      deliveryId: data.deliveryId,
      eventId: data.eventId,
      endpointId: data.endpointId,
    });

    const endpoint = await deps.endpoints.get(data.endpointId);
    if (endpoint === undefined) {
      log.warn('endpoint row does not exist; delivery dropped');
      return 'dropped';
    }
    const trigger = data.trigger;
    const state = await deps.recorder.state(data.deliveryId);
    // A re-published event finds its delivery settled; a manual resend sends regardless.
    if (state !== undefined && state.status !== 'pending' && trigger === 'scheduled') {
      log.debug({ status: state.status }, 'delivery already settled; nothing sent');
      return state.status;
    }
    if (endpoint.blockedReason !== null) {
      await deps.recorder.cancel(data, endpoint.blockedReason);
      log.info({ reason: endpoint.blockedReason }, 'delivery cancelled');
      return 'cancelled';
    }
    const mismatch = envelopeMismatch(data, endpoint);
    if (mismatch !== undefined) {
      // Authenticated, so its ids can be trusted to record the refusal. (A settled
      // delivery was left alone above, a blocked endpoint's cancelled.)
      deps.metrics.rejectedJob('envelope');
      const message = `job refused: ${mismatch}`;
      await deps.recorder.recordAttempt({
        job: data,
        attemptNumber: (state?.attemptCount ?? 0) + 1,
        trigger,
        result: {
          startedAt: new Date(),
          durationMs: 0,
          truncated: false,
          error: { kind: REJECTED, message },
        },
        verdict: {
          outcome: 'permanent',
          endpointGone: false,
          errorKind: REJECTED,
          errorMessage: message,
        },
        status: 'failed',
        nextAttemptAt: null,
      });
      log.error({ errorKind: REJECTED, reason: mismatch }, 'delivery job refused; nothing sent');
      throw new UnrecoverableError(`${REJECTED}: ${mismatch}`);
    }

    // Isolation: a dead endpoint's deliveries wait out its open breaker off the
    // worker, and a slow one gets at most its in-flight cap of this worker's slots.
    const decision = await breakerCheck(endpoint.id, job.attemptsMade, log);
    deps.metrics.breaker(
      endpoint.id,
      decision.kind,
      decision.kind === 'open' ? decision.retryAt : undefined,
    );
    if (decision.kind === 'open') {
      log.debug({ retryAt: decision.retryAt }, 'circuit open; delivery postponed');
      return postpone(job, token, decision.retryAt);
    }
    if (!(await deps.limiter.acquire(endpoint.id, IN_FLIGHT_WAIT_MS))) {
      return postpone(job, token, Date.now() + IN_FLIGHT_REQUEUE_MS * (1 + Math.random()));
    }
    // Numbered across the delivery's whole life, resends included.
    const attemptNumber = (state?.attemptCount ?? 0) + 1;
    let sent: Awaited<ReturnType<typeof attempt>>;
    try {
      sent = await attempt(data, endpoint, attemptNumber, signal);
    } finally {
      // The cap guards the HTTP exchange; recording happens outside it.
      deps.limiter.release(endpoint.id);
    }
    const { result, verdict } = sent;
    deps.metrics.attempt(verdict.outcome, result.statusCode, result.durationMs);
    if (verdict.outcome === 'succeeded') deps.metrics.delivered(data.occurredAt);
    const aborted = verdict.errorKind === 'aborted';
    const { status: nextStatus, delayMs } = deps.retry.next(verdict, job.attemptsMade + 1);

    const recorded = await deps.recorder.recordAttempt({
      job: data,
      attemptNumber,
      trigger,
      result,
      verdict,
      status: nextStatus,
      nextAttemptAt: delayMs === undefined ? null : new Date(Date.now() + delayMs),
    });
    // Our own shutdown, URL policy and configuration say nothing about the endpoint's health.
    const ours =
      aborted || verdict.errorKind === 'refused_url' || verdict.errorKind === 'configuration';
    if (!ours) {
      await deps.breaker
        .record(endpoint.id, decision, verdict.outcome === 'succeeded')
        .catch((error: unknown) => {
          log.warn({ err: String(error) }, 'could not update the circuit breaker');
        });
    }
    if (recorded.endpointDisabled) {
      deps.endpoints.forget(data.endpointId);
      await deps.onEndpointChanged(data.endpointId);
      log.warn('endpoint disabled');
    }
    // A missing key is the operator's to fix: said at error level, naming the key id only.
    log[verdict.errorKind === 'configuration' ? 'error' : 'info'](
      {
        attempt: attemptNumber,
        statusCode: result.statusCode,
        outcome: verdict.outcome,
        next: nextStatus,
        ms: result.durationMs,
        ...(verdict.errorKind === null ? {} : { errorKind: verdict.errorKind }),
      },
      verdict.errorMessage ?? 'delivered',
    );

    switch (verdict.outcome) {
      case 'succeeded':
        return 'succeeded';
      case 'permanent':
        throw new UnrecoverableError(verdict.errorMessage ?? 'permanent failure');
      case 'retryable':
        // Handed back without spending an attempt (postpone), not retried.
        if (aborted && delayMs !== undefined)
          return await postpone(job, token, Date.now() + delayMs);
        if (delayMs === undefined)
          throw new UnrecoverableError(verdict.errorMessage ?? 'retries exhausted');
        throw new RetryableDeliveryError(verdict.errorMessage ?? 'attempt failed', delayMs);
    }
  };
}
