import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../../../test/support/harness.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

const BIN = fileURLToPath(new URL('../../worker/bin/letta-webhooks.js', import.meta.url));

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

describe('letta-webhooks api-keys', () => {
  it('create --json prints { id, key }; the key works; list never shows it; revoke stops it', async () => {
    const created = await cli('api-keys', 'create', '--org', 'org-cli', '--name', 'ci', '--json');
    expect(created.code).toBe(0);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    expect(Object.keys(JSON.parse(created.stdout) as object)).toEqual(['id', 'key']);
    expect(id).toMatch(/^key_/);
    expect(key).toMatch(/^lwk_/);
    expect((await f.call('GET', '/v1/endpoints', { key })).status).toBe(200);

    const listed = await cli('api-keys', 'list', '--org', 'org-cli');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^id\s+name\s+organizationId/);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(key.slice(0, 12));
    expect(listed.stdout).not.toContain(key);
    const json = await cli('--json', 'api-keys', 'list');
    expect(json.stdout).not.toContain(key);
    expect(JSON.parse(json.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id, organizationId: 'org-cli', revokedAt: null }),
      ]),
    );

    expect((await cli('api-keys', 'revoke', id)).code).toBe(0);
    await waitFor(
      async () =>
        (await f.call('GET', '/v1/endpoints', { key })).status === 401 ? true : undefined,
      { what: 'the revoked key to be refused', timeoutMs: 5_000 },
    );
    expect((await cli('api-keys', 'revoke', 'key_missing')).code).toBe(4);
  });

  it('creates admin keys; refuses a key with no scope or two', async () => {
    const admin = await cli('api-keys', 'create', '--admin', '--json');
    expect(admin.code).toBe(0);
    const { key } = JSON.parse(admin.stdout) as { key: string };
    expect((await f.call('GET', '/v1/endpoints?organization_id=org-x', { key })).status).toBe(200);
    expect((await cli('api-keys', 'create')).code).toBe(3);
    expect((await cli('api-keys', 'create', '--admin', '--org', 'org-x')).code).toBe(3);
  });
});
