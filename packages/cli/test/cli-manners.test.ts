import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { runCli } from '../../../test/support/cli.js';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

describe('CLI manners', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const result = await runCli(['--version'], ctx.env);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('a usage error is one line pointing to --help, JSON with --json, exit 3', async () => {
    const missing = await runCli(['endpoints', 'create', '--url', 'https://x.example'], ctx.env);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      "error: required option '--org <organizationId>' not specified (see --help)\n",
    );
    const unknown = await runCli(['--json', 'frobnicate'], ctx.env);
    expect(unknown.code).toBe(3);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: { code: 'INVALID_INPUT', field: null, message: "unknown command 'frobnicate'" },
    });
  });

  it('`endpoints show` names the endpoint once (id, not endpointId too)', async () => {
    const producer = createProducer({ settings: ctx.settings });
    let id: string;
    try {
      ({ id } = await producer.createEndpoint({
        url: 'https://hooks.example.com/x',
        organizationId: 'org-a',
        eventTypes: ['*'],
      }));
    } finally {
      await producer.close();
    }
    const table = await runCli(['endpoints', 'show', id], ctx.env);
    expect(table.code).toBe(0);
    const fields = table.stdout.split('\n').map((line) => line.trim().split(/\s+/)[0]);
    expect(fields).toContain('id');
    expect(fields).not.toContain('endpointId');
    const json = await runCli(['--json', 'endpoints', 'show', id], ctx.env);
    const shown = JSON.parse(json.stdout) as { id: string; health: Record<string, unknown> };
    expect(shown.id).toBe(id);
    expect(shown.health).not.toHaveProperty('endpointId');
    expect(shown.health).toHaveProperty('consecutiveFailures', 0);
  });
});
