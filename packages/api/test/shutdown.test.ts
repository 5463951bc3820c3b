import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { ApiKeyStore } from '../src/index.js';
import { call } from './support/api-fixture.js';

const BIN = fileURLToPath(new URL('../../cli/bin/letta-webhooks.js', import.meta.url));

// Slow enough that the test requests are still in flight when SIGTERM comes.
const f = useDeliveryFixture({
  reply: () => ({ status: 200, delayMs: 1_500 }),
  lazyProducer: true,
  workersLiveFor: 'file',
});

beforeAll(() => {
  f.startWorker();
});

describe('letta-webhooks api', () => {
  it('on SIGTERM stops taking connections, finishes the requests in flight, and exits 0', async () => {
    const key = (await new ApiKeyStore(f.ctx.db).create({ organizationId: 'org-stop' })).key;
    const child = spawn(process.execPath, [BIN, 'api'], {
      env: { PATH: process.env.PATH ?? '', ...f.ctx.env, WEBHOOK_API_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const logs = () =>
      stdout
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; port?: number });
    const port = await waitFor(() => logs().find((l) => l.msg === 'API listening')?.port, {
      what: 'the API to listen',
    });
    const url = `http://127.0.0.1:${port}`;

    const endpoint = await call(url, 'POST', '/v1/endpoints', {
      key,
      json: { url: f.receiver.url('/slow'), event_types: ['*'] },
    });
    expect(endpoint.status).toBe(201);
    const id = endpoint.body.id as string;
    // Two requests that each wait for a 1.5 s attempt.
    const inFlight = [1, 2].map(() => call(url, 'POST', `/v1/endpoints/${id}/test`, { key }));
    await waitFor(() => (f.receiver.requestsTo('/slow').length === 2 ? true : undefined), {
      what: 'both test deliveries to be in flight',
    });
    child.kill('SIGTERM');

    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body.attempt.outcome)).toEqual(['succeeded', 'succeeded']);
    // No new connection is taken while it drains.
    await expect(call(url, 'GET', '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    // Exit 0 on its own: the shutdown deadline (which exits 1, saying so) never fired.
    expect(await exited).toBe(0);
    expect(logs().map((l) => l.msg)).not.toContainEqual(expect.stringMatching(/exiting anyway/));
    expect(logs().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['stopping: finishing requests in flight', 'API stopped']),
    );
    expect(logs().map((l) => l.msg)).not.toContain('a handle outlived shutdown; exiting');
  });

  it('refuses to start on invalid settings with exit code 2, one line per bad variable', async () => {
    const child = spawn(process.execPath, [BIN, 'api'], {
      env: {
        PATH: process.env.PATH ?? '',
        WEBHOOK_API_PORT: 'eighty',
        WEBHOOK_API_KEY_CACHE_TTL_MS: '60000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    const [first, ...rest] = stderr.trim().split('\n');
    expect(first).toBe('error: invalid settings:');
    expect(rest.sort()).toEqual([
      expect.stringMatching(/^ {2}WEBHOOK_API_KEY_CACHE_TTL_MS: /),
      expect.stringMatching(/^ {2}WEBHOOK_API_PORT: /),
    ]);
  });
});
