import type { Socket } from 'node:net';
import { errorBody } from './error-body.js';

// Errors node's HTTP parser raises before Fastify sees a request.
const STATUS_BY_PARSER_CODE: Readonly<Record<string, readonly [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * Answers a request node's HTTP parser refused (a header or query string over
 * the size limit, a malformed request line) with the API's error shape; the
 * connection is then closed. Fastify calls it as `clientErrorHandler`.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = STATUS_BY_PARSER_CODE[error.code ?? ''] ?? [400, 'Bad Request'];
  const field = status === 431 ? 'headers' : null;
  const message =
    status === 431
      ? 'the request line or headers are larger than the server accepts'
      : status === 408
        ? 'the request took too long to arrive'
        : 'the request is not valid HTTP';
  const body = JSON.stringify(errorBody('INVALID_INPUT', message, field));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
