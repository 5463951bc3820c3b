/**
 * True when `error` is Redis refusing a write because `maxmemory` is reached
 * (`OOM command not allowed when used memory > 'maxmemory'`), directly or
 * from inside a script.
 */
export function isOomError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\bOOM command not allowed\b/.test(message);
}
