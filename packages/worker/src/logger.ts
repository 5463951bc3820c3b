import { pino, type Logger } from 'pino';
import type { Settings } from '@letta-webhooks/shared';

/**
 * The worker's JSON logger (stdout). Log lines carry ids, never bodies or
 * secrets; the redaction below is a second line of defence.
 */
export function createLogger(level: Settings['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'letta-webhooks-worker' },
    redact: {
      paths: ['secret', '*.secret', 'secrets', '*.secrets', 'body', '*.body', 'headers'],
      censor: '[redacted]',
    },
  });
}
