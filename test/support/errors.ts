import { inspect, types } from 'node:util';
import { isWebhookError, type WebhookError, type WebhookErrorCode } from '@letta-webhooks/shared';

// Tests check an error's type before reading it: a cast would turn a wrong
// error into a confusing failure (or a pass) further down.

/** `value` as an Error; fails the test, saying what it got, when it is not one. */
export function asError(value: unknown): Error {
  // Errors thrown by Node itself come from another realm than the test's `Error`.
  if (value instanceof Error || types.isNativeError(value)) return value;
  throw new Error(`expected an Error, got ${inspect(value)}`);
}

/** `value` as an instance of `type`; fails the test, saying what it got, otherwise. */
export function asInstanceOf<T>(type: abstract new (...args: never[]) => T, value: unknown): T {
  if (value instanceof type) return value;
  throw new Error(`expected a ${type.name}, got ${inspect(value)}`);
}

/** `value` as a WebhookError (of `code`, when given); fails the test, saying what it got, otherwise. */
export function asWebhookError(value: unknown, code?: WebhookErrorCode): WebhookError {
  if (isWebhookError(value, code)) return value;
  throw new Error(
    `expected a WebhookError${code === undefined ? '' : ` ${code}`}, got ${inspect(value)}`,
  );
}

/** The Error `run` throws; fails the test if it returns or throws something else. */
export function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return asError(error);
  }
  throw new Error('expected a throw');
}

/** The WebhookError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<WebhookError> {
  try {
    await promise;
  } catch (error) {
    return asWebhookError(error);
  }
  throw new Error('expected a rejection');
}
