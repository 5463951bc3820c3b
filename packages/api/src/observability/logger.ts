import type { Settings } from '@letta-webhooks/shared';
import { pino, type Logger } from 'pino';

/**
 * The API's JSON logger (stdout). Lines carry request ids, routes and
 * statuses, never bodies, secrets or API keys; the redaction below is a second
 * line of defence.
 */
export function createApiLogger(level: Settings['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'letta-webhooks-api' },
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'req.headers.cookie',
        'secret',
        '*.secret',
        'key',
        '*.key',
        'body',
        '*.body',
      ],
      censor: '[redacted]',
    },
  });
}
