import { pino, type Logger } from 'pino';
import type { Settings } from '../settings.js';

/** The processes that log, named in every line's `service`. */
export type ServiceName = 'letta-webhooks-worker' | 'letta-webhooks-api';

/**
 * A service's JSON logger (stdout, or `destination`). Lines carry ids, routes
 * and statuses, never bodies, secrets or API keys; the redaction below is a
 * second line of defence, the same for every service. The API writes a line
 * per request, so its lines are written asynchronously: lines made while a
 * write is in flight go out together, and what is buffered is flushed when the
 * process exits (a SIGKILL can lose the last lines). The worker logs rarely
 * and writes each line at once.
 */
export function createLogger(
  service: ServiceName,
  level: Settings['logLevel'],
  destination: number | string = 1,
): Logger {
  const sync = service !== 'letta-webhooks-api';
  return pino(
    {
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
    },
    pino.destination({ dest: destination, sync }),
  );
}
