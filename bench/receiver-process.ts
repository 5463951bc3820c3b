// The benchmark's receiver, in its own process, listening on BENCH_PORTS
// ports (one per fan-out endpoint, so each endpoint is a host of its own with
// its own sockets): /hang never answers, every other path answers 204 at
// once. It counts what it answered and tells the driver when a count is
// reached, so nobody polls a database to know deliveries arrived. With
// latency on, it records publish → receive time from the envelope's
// timestamp (parsing costs CPU, so it is off unless asked for).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

let latencies: number[] = [];
let recordLatency = false;
let received = 0;
let expected: number | undefined;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => {
    if (recordLatency) chunks.push(chunk);
  });
  req.on('end', () => {
    if (req.url === '/hang') return;
    received++;
    if (recordLatency) {
      try {
        const { timestamp } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          timestamp?: string;
        };
        if (timestamp) latencies.push(Date.now() - Date.parse(timestamp));
      } catch {
        // ceiling bodies are not envelopes
      }
    }
    res.writeHead(204).end();
    if (expected !== undefined && received >= expected) {
      expected = undefined;
      process.send?.({ type: 'reached', received });
    }
  });
}

const servers = Array.from({ length: Number(process.env.BENCH_PORTS ?? 1) }, () => {
  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  return server;
});
void Promise.all(
  servers.map(
    (server) =>
      new Promise<number>((resolve) => {
        server.listen(0, '127.0.0.1', () => {
          resolve((server.address() as AddressInfo).port);
        });
      }),
  ),
).then((ports) => process.send?.({ type: 'ready', ports }));

process.on('message', (message: { type: string; count?: number; latency?: boolean }) => {
  switch (message.type) {
    case 'count':
      process.send?.({ type: 'count', received });
      break;
    case 'stats':
      process.send?.({ type: 'stats', received, latencies });
      break;
    case 'reset':
      latencies = [];
      received = 0;
      expected = undefined;
      recordLatency = message.latency === true;
      process.send?.({ type: 'reset' });
      break;
    case 'expect':
      // Replies 'reached' once `count` requests were answered since the last reset.
      expected = message.count;
      if (received >= (expected ?? 0)) {
        expected = undefined;
        process.send?.({ type: 'reached', received });
      }
      break;
    case 'stop':
      for (const server of servers) server.closeAllConnections();
      void Promise.all(
        servers.map((server) => new Promise((resolve) => server.close(resolve))),
      ).then(() => process.exit(0));
      break;
  }
});
