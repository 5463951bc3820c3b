import { Writable } from 'node:stream';
import { pino, type Level, type Logger } from 'pino';

/** A pino logger whose JSON lines are kept in `lines`, for tests to read. */
export function capturingLogger(level: Level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().trim().split('\n'));
        done();
      },
    }),
  );
  return { logger, lines };
}
