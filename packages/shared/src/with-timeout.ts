/** How a race against a timer ended: the promise's value, or the timer first. */
export type TimeoutResult<T> =
  { readonly timedOut: false; readonly value: T } | { readonly timedOut: true };

/**
 * Waits for `promise` at most `ms` milliseconds. A rejection passes through;
 * running out of time is a value (`timedOut: true`), not an error, and leaves
 * `promise` running. The timer never outlives the race.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<TimeoutResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<TimeoutResult<T>>((resolve) => {
    timer = setTimeout(() => {
      resolve({ timedOut: true });
    }, ms);
  });
  try {
    return await Promise.race([
      promise.then((value): TimeoutResult<T> => ({ timedOut: false, value })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
