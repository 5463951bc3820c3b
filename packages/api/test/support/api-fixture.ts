import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { EXAMPLE_EVENT_DATA, type EventType, type SettingsEnv } from '@letta-webhooks/shared';
import { createWorker, type WebhookWorker } from '@letta-webhooks/worker';
import { createTestContext, type TestContext } from '../../../../test/support/harness.js';
import { startReceiver, type Receiver } from '../../../../test/support/receiver.js';
import { ApiKeyStore, startApi, type RunningApi } from '../../src/index.js';

/** One HTTP answer, body parsed when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  readonly body: any;
}

/** Options of one call. */
export interface CallOptions {
  /** An API key sent as `Authorization: Bearer …`. */
  readonly key?: string;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is (with `headers` saying what it is). */
  readonly raw?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A running API over a fresh test database, and keys to call it with. */
export interface ApiFixture {
  readonly ctx: TestContext;
  readonly api: RunningApi;
  /** A delivery worker on the same queue (with `deliver: true`). */
  readonly worker: WebhookWorker;
  /** A loopback receiver that answers 200 until told otherwise (with `deliver: true`). */
  readonly receiver: Receiver;
  readonly keys: ApiKeyStore;
  /** An admin key. */
  readonly adminKey: string;
  /** A new key for `organizationId`. */
  keyFor(organizationId: string): Promise<string>;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** POST /v1/events with `key`: the catalogue's example `eventType` for `agentId`, and `more` fields. */
  postEvent(
    key: string,
    agentId: string,
    eventType: EventType,
    more?: Readonly<Record<string, unknown>>,
  ): Promise<Answer>;
  close(): Promise<void>;
}

/** A pino logger at `info` whose every line is parsed into `lines`. */
export function capturingLogger(lines: Record<string, unknown>[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

/** One request over a fresh loopback connection (no pooled sockets outlive a test). */
export function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const body =
    options.raw ??
    (options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json)));
  const headers: Record<string, string> = {
    ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
    ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
    ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, baseUrl), { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = undefined;
        if ((res.headers['content-type'] ?? '').includes('json') && text !== '')
          parsed = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts an API on a free loopback port over a fresh database and queue
 * prefix; with `deliver`, also a worker and a receiver, so deliveries happen.
 */
export async function startApiFixture(
  overrides: SettingsEnv = {},
  options: { readonly deliver?: boolean } = {},
): Promise<ApiFixture> {
  const ctx = await createTestContext({
    WEBHOOK_API_PORT: '0',
    WEBHOOK_API_HOST: '127.0.0.1',
    ...overrides,
  });
  const api = await startApi({ settings: ctx.settings });
  const keys = new ApiKeyStore(ctx.db);
  const admin = await keys.create({ admin: true, name: 'test admin' });
  const worker = options.deliver === true ? createWorker({ settings: ctx.settings }) : undefined;
  const receiver = options.deliver === true ? await startReceiver() : undefined;
  const absent = (what: string): never => {
    throw new Error(`start the fixture with { deliver: true } to get a ${what}`);
  };
  return {
    ctx,
    api,
    keys,
    get worker() {
      return worker ?? absent('worker');
    },
    get receiver() {
      return receiver ?? absent('receiver');
    },
    adminKey: admin.key,
    keyFor: async (organizationId) => (await keys.create({ organizationId })).key,
    call: (method, path, options) => call(api.url, method, path, options),
    postEvent: (key, agentId, eventType, more = {}) =>
      call(api.url, 'POST', '/v1/events', {
        key,
        json: {
          agent_id: agentId,
          ...more,
          event_type: eventType,
          data: EXAMPLE_EVENT_DATA[eventType],
        },
      }),
    async close() {
      await worker?.close();
      await receiver?.close();
      await api.close();
      await ctx.cleanup();
    },
  };
}
