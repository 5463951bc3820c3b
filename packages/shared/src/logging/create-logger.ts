import { pino, type Logger } from 'pino';
import type { Settings } from '../settings.js';

/**
 * The JSON logger (stdout) of a letta-webhooks process — the worker, the CLI
 * running it — named in every line's `service`. Lines carry ids, never
 * bodies, secrets or keys; the redaction below is a second line of defence.
 * (The HTTP API's request logger, `createApiLogger` in packages/api, writes
 * asynchronously and keeps its own list.)
 */
export function createLogger(service: string, level: Settings['logLevel']): Logger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: ['secret', '*.secret', 'secrets', '*.secrets', 'body', '*.body', 'headers'],
      censor: '[redacted]',
    },
  });
}
