import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../../../test/support/harness.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

const BIN = fileURLToPath(new URL('../../cli/bin/letta-webhooks.js', import.meta.url));

let f: ApiFixture;

beforeAll(async () => {
  f = await startApiFixture({ WEBHOOK_API_KEY_CACHE_TTL_MS: '500' });
});

afterAll(async () => {
  await f.close();
});

async function cli(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...f.ctx.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

// Each CLI run is a Node process start (seconds on a loaded machine): runs that
// do not depend on each other go concurrently, and each test makes few.
let id = '';
let key = '';

describe('letta-webhooks api-keys', () => {
  it('create --json prints { id, key }, and the key works', async () => {
    const created = await cli('api-keys', 'create', '--org', 'org-cli', '--name', 'ci', '--json');
    expect(created.code).toBe(0);
    expect(Object.keys(JSON.parse(created.stdout) as object)).toEqual(['id', 'key']);
    ({ id, key } = JSON.parse(created.stdout) as { id: string; key: string });
    expect(id).toMatch(/^key_/);
    expect(key).toMatch(/^lwk_/);
    expect((await f.call('GET', '/v1/endpoints', { key })).status).toBe(200);
  });

  it('list shows the id and the prefix, never the key, as a table and as JSON', async () => {
    const [listed, json] = await Promise.all([
      cli('api-keys', 'list', '--org', 'org-cli'),
      cli('--json', 'api-keys', 'list'),
    ]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^id\s+name\s+organizationId/);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(key.slice(0, 12));
    expect(listed.stdout).not.toContain(key);
    expect(json.stdout).not.toContain(key);
    expect(JSON.parse(json.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id, organizationId: 'org-cli', revokedAt: null }),
      ]),
    );
  });

  it('revoke stops the key within the cache time; an unknown id exits 4', async () => {
    const [revoked, missing] = await Promise.all([
      cli('api-keys', 'revoke', id),
      cli('api-keys', 'revoke', 'key_missing'),
    ]);
    expect({ revoked: revoked.code, missing: missing.code }).toEqual({ revoked: 0, missing: 4 });
    await waitFor(
      async () =>
        (await f.call('GET', '/v1/endpoints', { key })).status === 401 ? true : undefined,
      { what: 'the revoked key to be refused', timeoutMs: 5_000 },
    );
  });

  it('creates admin keys; refuses a key with no scope or two', async () => {
    const [admin, none, both] = await Promise.all([
      cli('api-keys', 'create', '--admin', '--json'),
      cli('api-keys', 'create'),
      cli('api-keys', 'create', '--admin', '--org', 'org-x'),
    ]);
    expect({ admin: admin.code, none: none.code, both: both.code }).toEqual({
      admin: 0,
      none: 3,
      both: 3,
    });
    const { key: adminKey } = JSON.parse(admin.stdout) as { key: string };
    expect(
      (await f.call('GET', '/v1/endpoints?organization_id=org-x', { key: adminKey })).status,
    ).toBe(200);
  });
});
