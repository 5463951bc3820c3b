import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { AddressGuard, urlRefusal } from '@letta-webhooks/shared';
import { pino } from 'pino';
import { UrlRefusalMemo } from '../src/http/url-refusal-memo.js';
import { WebhookSender } from '../src/http/webhook-sender.js';
import { jobLog } from '../src/job-log.js';

const guard = new AddressGuard(['127.0.0.0/8']);
const servers: Server[] = [];
const senders: WebhookSender[] = [];

afterEach(() => {
  for (const sender of senders.splice(0)) sender.close();
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** A server on a free port; counts the connections it accepted. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      handle(req, res);
    });
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, connections: () => connections };
}

function sender(timeoutMs = 2_000, excerptBytes = 100): WebhookSender {
  const created = new WebhookSender({ guard, timeoutMs, connectTimeoutMs: 1_000, excerptBytes });
  senders.push(created);
  return created;
}

const post = (to: WebhookSender, url: string, signal?: AbortSignal) =>
  to.send({
    url,
    body: '{"ok":true}',
    headers: { 'Content-Type': 'application/json' },
    ...(signal ? { signal } : {}),
  });

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('WebhookSender', () => {
  it('reuses one connection for bodiless responses and leaves no timer behind', async () => {
    const { url, connections } = await serve((_req, res) => res.writeHead(204).end());
    const client = sender();
    const before = timers();
    for (let i = 0; i < 5; i++) {
      const result = await post(client, url);
      expect(result).toMatchObject({ statusCode: 204, excerpt: '', truncated: false });
      expect(result.error).toBeUndefined();
    }
    expect(connections()).toBe(1);
    // The per-attempt deadline timer is cleared once the attempt settles.
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('keeps a capped excerpt of a long body, flagged as truncated', async () => {
    const { url } = await serve((_req, res) => res.writeHead(200).end('x'.repeat(10_000)));
    const result = await post(sender(2_000, 100), url);
    expect(result).toMatchObject({ statusCode: 200, excerpt: 'x'.repeat(100), truncated: true });
    expect(result.error).toBeUndefined();
  });

  it('reads a short body whole', async () => {
    const { url } = await serve((_req, res) => res.writeHead(500).end('boom'));
    expect(await post(sender(), url)).toMatchObject({
      statusCode: 500,
      excerpt: 'boom',
      truncated: false,
    });
  });

  it('stops at the deadline a body that trickles, keeping what arrived', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write('first');
    });
    const result = await post(sender(300), url);
    expect(result).toMatchObject({
      statusCode: 200,
      excerpt: 'first',
      truncated: true,
      error: { kind: 'response_read', message: 'deadline reached while reading the response body' },
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('reports a body cut off by the receiver', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write('partial', () => (res.socket as Socket).destroy());
    });
    const result = await post(sender(), url);
    expect(result).toMatchObject({ statusCode: 200, truncated: true });
    expect(result.error?.kind).toBe('response_read');
  });

  it('times out a receiver that never answers', async () => {
    const { url } = await serve(() => undefined);
    expect((await post(sender(200), url)).error).toEqual({
      kind: 'timeout',
      message: 'no complete response before the deadline',
    });
  });

  it('aborts on shutdown, before or during the request', async () => {
    const { url } = await serve(() => undefined);
    const client = sender(5_000);
    const early = new AbortController();
    early.abort();
    expect((await post(client, url, early.signal)).error?.kind).toBe('aborted');
    const late = new AbortController();
    const pending = post(client, url, late.signal);
    setTimeout(() => {
      late.abort();
    }, 50);
    const result = await pending;
    // Ended by the abort: the 5 s deadline would have said 'timeout'.
    expect(result.error?.kind).toBe('aborted');
  });
});

describe('UrlRefusalMemo', () => {
  it('gives the same verdicts as urlRefusal, each worked out once', () => {
    const memo = new UrlRefusalMemo(new AddressGuard());
    for (const url of [
      'https://hooks.example.com/a',
      'http://10.0.0.1/x',
      'ftp://example.com/',
      'https://user:pw@example.com/',
      'http://[::1]:8080/',
    ]) {
      expect(memo.refusal(url)).toBe(urlRefusal(url, new AddressGuard()));
      expect(memo.refusal(url)).toBe(urlRefusal(url, new AddressGuard()));
    }
  });
});

describe('jobLog', () => {
  function capture(level: pino.Level) {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    return { logger, lines };
  }

  it("writes the job's ids with every line at an enabled level", () => {
    const { logger, lines } = capture('info');
    const log = jobLog(logger, { deliveryId: 'dlv_1', endpointId: 'ep_1' });
    log.debug({ skipped: true }, 'not at info');
    log.info({ attempt: 2 }, 'delivered');
    log.warn('endpoint disabled');
    expect(lines).toEqual([
      expect.objectContaining({
        deliveryId: 'dlv_1',
        endpointId: 'ep_1',
        attempt: 2,
        msg: 'delivered',
      }),
      expect.objectContaining({ deliveryId: 'dlv_1', msg: 'endpoint disabled', level: 40 }),
    ]);
  });
});
