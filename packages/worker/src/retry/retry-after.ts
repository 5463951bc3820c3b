/**
 * Milliseconds a Retry-After header asks to wait: delta-seconds (`120`) or
 * an HTTP date. Undefined when absent or unparseable; 0 for a date in the past.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), 10 ** 9) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}
