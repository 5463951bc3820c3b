import { idRandomBytes } from '@letta-webhooks/shared';
import type { IncomingMessage } from 'node:http';

/** The header that carries the request id, in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

// A caller's id is kept only if it is short and plain: it goes into every log line.
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is sane, otherwise a new `req_…` id. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && ACCEPTED.test(given)) return given;
  return `req_${idRandomBytes(9).toString('base64url')}`;
}
