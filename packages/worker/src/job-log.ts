import type { Bindings, Level, Logger } from 'pino';

/** What a job logs with: pino's methods in the two forms the processor uses. */
export interface JobLog {
  debug(details: object | string, message?: string): void;
  info(details: object | string, message?: string): void;
  warn(details: object | string, message?: string): void;
  error(details: object | string, message?: string): void;
}

/**
 * A job's logger: a pino child carrying the job's ids, made only when a line
 * is written at an enabled level. A child costs a few microseconds to make
 * (its bindings are serialized up front), and most jobs at most levels
 * write nothing.
 */
export function jobLog(logger: Logger, bindings: Bindings): JobLog {
  let child: Logger | undefined;
  const at =
    (level: Level) =>
    (details: object | string, message?: string): void => {
      if (!logger.isLevelEnabled(level)) return;
      child ??= logger.child(bindings);
      if (typeof details === 'string') child[level](details);
      else child[level](details, message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
