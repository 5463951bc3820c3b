import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_TYPES } from '@letta-webhooks/shared';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/python/', import.meta.url));

let f: ApiFixture;

beforeAll(async () => {
  f = await startApiFixture({}, { deliver: true });
});

afterAll(async () => {
  await f.close();
});

async function python(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('python3', args, {
    cwd: EXAMPLES,
    // Only what the example needs: no site packages of ours, no bytecode left behind.
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? '');
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('examples/python (standard library only)', () => {
  it('demo.py registers an endpoint, publishes all eight event types and verifies every webhook', async () => {
    const key = await f.keyFor('org-python');
    const run = await python(['demo.py'], {
      LETTA_WEBHOOKS_URL: f.api.url,
      LETTA_WEBHOOKS_API_KEY: key,
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({
      event_types: EVENT_TYPES.length,
      published: EVENT_TYPES.length,
      received_verified: EVENT_TYPES.length,
      mismatched: [],
      republished_same_id: true,
      // The same event id published twice made one delivery, not two.
      deliveries_succeeded: EVENT_TYPES.length,
      missing_endpoint_error: 'NOT_FOUND',
    });
    expect(EVENT_TYPES).toHaveLength(8);
  });

  it('receiver.verify accepts a signature computed independently and refuses every forgery', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    const sign = (key: string, id: string, ts: string, body: string) =>
      createHmac('sha256', Buffer.from(key.slice(6), 'base64'))
        .update(`${id}.${ts}.${body}`)
        .digest('base64');
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      event_id: 'evt_1',
      event_type: 'agent.run.completed',
      data: { id: 'run-1' },
    });
    const headers = (key: string, ts = String(now), signed = body) => ({
      'webhook-id': 'evt_1',
      'webhook-timestamp': ts,
      'webhook-signature': `v1,${sign(key, 'evt_1', ts, signed)}`,
    });
    const cases = [
      { name: 'valid', secret, headers: headers(secret), body },
      {
        name: 'rotation: second signature valid',
        secret,
        headers: {
          ...headers(secret),
          'webhook-signature': `${headers(other)['webhook-signature']} ${headers(secret)['webhook-signature']}`,
        },
        body,
      },
      {
        name: 'tampered body',
        secret,
        headers: headers(secret),
        body: body.replace('run-1', 'run-2'),
      },
      { name: 'other secret', secret, headers: headers(other), body },
      { name: 'too old', secret, headers: headers(secret, String(now - 600)), body },
      {
        name: 'no signature',
        secret,
        headers: { ...headers(secret), 'webhook-signature': '' },
        body,
      },
      { name: 'empty secret', secret: 'whsec_', headers: headers(secret), body },
    ];
    const script = [
      'import json, sys',
      'from receiver import verify, InvalidSignature',
      'for case in json.load(sys.stdin):',
      '    try:',
      '        envelope = verify(case["secret"], case["headers"], case["body"].encode())',
      '        print(case["name"], "accepted", envelope["event_id"])',
      '    except (InvalidSignature, ValueError) as error:',
      '        print(case["name"], "refused")',
    ].join('\n');
    const run = await python(['-c', script], {}, JSON.stringify(cases));
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual([
      'valid accepted evt_1',
      'rotation: second signature valid accepted evt_1',
      'tampered body refused',
      'other secret refused',
      'too old refused',
      'no signature refused',
      'empty secret refused',
    ]);
  });
});
