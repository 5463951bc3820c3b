// The benchmark's receiver, in its own process: /ok answers 204 at once,
// /hang never answers. Records publish→receive latency from the envelope's
// timestamp (the publish time).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let latencies: number[] = [];
let received = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.url === '/hang') return;
    received++;
    if (req.url === '/ok') {
      try {
        const { timestamp } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          timestamp?: string;
        };
        if (timestamp) latencies.push(Date.now() - Date.parse(timestamp));
      } catch {
        // raw-axios ceiling bodies are not envelopes
      }
    }
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') process.send?.({ type: 'stats', received, latencies });
  if (message.type === 'reset') {
    latencies = [];
    received = 0;
    process.send?.({ type: 'reset' });
  }
  if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
