import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, with the body bytes exactly as sent. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly receivedAt: number;
  /** The client's port: requests sharing one are on one kept-alive connection. */
  readonly remotePort: number;
}

/** How to answer: a response, or never answer at all. */
export type Reply =
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string | Buffer;
      /** Wait this long before answering. */
      readonly delayMs?: number;
    }
  | 'hang';

/** Decides the reply to the `index`-th request (0-based) to `path`. */
export type Responder = (request: ReceivedRequest, index: number) => Reply;

/** A real HTTP server on loopback that records every request. */
export interface Receiver {
  /** `http://127.0.0.1:PORT{path}` */
  url(path?: string): string;
  readonly port: number;
  /** Every request so far, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** The requests to one path. */
  requestsTo(path: string): ReceivedRequest[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

/** Starts a receiver answering 200 until told otherwise. */
export async function startReceiver(
  responder: Responder = () => ({ status: 200, body: 'ok' }),
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const counts = new Map<string, number>();
  let current = responder;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks),
        receivedAt: Date.now(),
        remotePort: req.socket.remotePort ?? 0,
      };
      requests.push(request);
      const index = counts.get(path) ?? 0;
      counts.set(path, index + 1);
      const reply = current(request, index);
      if (reply === 'hang') return;
      const answer = () => {
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    respond(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
