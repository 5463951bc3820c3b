import type { Agent } from 'node:http';
import { TLSSocket } from 'node:tls';

/** Error code of a connection (TCP, and TLS for https) that took too long to set up. */
export const CONNECT_TIMEOUT_CODE = 'ERR_WEBHOOK_CONNECT_TIMEOUT';

/**
 * Makes `agent` destroy a new socket that is not connected (and, for https,
 * through its TLS handshake) within `timeoutMs`. Sockets reused by keep-alive
 * are already connected and unaffected.
 */
export function limitConnectTime(agent: Agent, timeoutMs: number): void {
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = create(options, callback);
    if (!socket) return socket;
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), {
        code: CONNECT_TIMEOUT_CODE,
      });
      socket.destroy(error);
    }, timeoutMs);
    const clear = () => {
      clearTimeout(timer);
    };
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', clear);
    socket.once('close', clear);
    return socket;
  };
}
