import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** The first bytes of a response body, as text. */
export interface Excerpt {
  readonly text: string;
  /** True when the body was longer than the limit, or could not be read to its end. */
  readonly truncated: boolean;
  /** Why reading stopped early, when it did. */
  readonly error?: string;
}

const EMPTY: Excerpt = { text: '', truncated: false };

/** True when the response carries no body by definition or by its Content-Length. */
function bodiless(status: number, headers: IncomingHttpHeaders | Record<string, unknown>): boolean {
  return status === 204 || status === 304 || headers['content-length'] === '0';
}

/**
 * Reads at most `limit` bytes of a response body, then lets go of it: bytes
 * past the limit are not read, the connection is dropped instead. A response
 * without a body is only drained to its end. Plain listeners, not async iteration: this
 * runs once per attempt. When `signal` aborts, its reason (a string) is
 * the error reported.
 */
export function readExcerpt(
  stream: Readable,
  response: { readonly status: number; readonly headers: Record<string, unknown> },
  limit: number,
  signal: AbortSignal,
): Promise<Excerpt> {
  if (bodiless(response.status, response.headers)) {
    // Drained to its end, so the socket is back in the pool before the next attempt asks for one.
    return new Promise((resolve) => {
      const done = () => {
        resolve(EMPTY);
      };
      stream.once('end', done).once('close', done).once('error', done).resume();
    });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (truncated: boolean, error?: string) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (!stream.readableEnded) stream.destroy();
      // Postgres text cannot hold NUL; binary bodies are kept as replacement characters.
      const text = Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '\uFFFD');
      resolve(error === undefined ? { text, truncated } : { text, truncated, error });
    };
    const onData = (chunk: Buffer) => {
      const room = limit - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = limit;
        finish(true);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => {
      finish(false);
    };
    // Aborting also makes axios destroy the stream: the reason says more than its error.
    const onError = (error: Error) => {
      finish(true, signal.aborted ? String(signal.reason) : error.message);
    };
    const onClose = () => {
      if (!stream.readableEnded) finish(true, 'Premature close');
    };
    const onAbort = () => {
      finish(true, String(signal.reason));
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
