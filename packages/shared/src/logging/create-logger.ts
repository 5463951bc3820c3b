import { pino, type Logger } from 'pino';
import type { Settings } from '../settings.js';

/** The processes that log, named in every line's `service`. */
export type ServiceName = 'letta-webhooks-worker' | 'letta-webhooks-api';

/**
 * A service's JSON logger (stdout). Lines carry ids, routes and statuses,
 * never bodies, secrets or API keys; the redaction below is a second line of
 * defence, the same for every service.
 */
export function createLogger(service: ServiceName, level: Settings['logLevel']): Logger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: [
        'secret',
        '*.secret',
        'secrets',
        '*.secrets',
        'key',
        '*.key',
        'body',
        '*.body',
        'headers',
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
