import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { ApiKeyStore, startApi, type RunningApi } from '../src/index.js';
import { call, capturingLogger } from './support/api-fixture.js';

// Two APIs over one database: one trusting the loopback proxy range, one trusting no proxy.
let ctx: TestContext;
let trusting: RunningApi;
let distrusting: RunningApi;
let key: string;
const lines: Record<string, unknown>[] = [];

const forwarded = {
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'hooks.example.com',
};

beforeAll(async () => {
  ctx = await createTestContext({ WEBHOOK_API_PORT: '0' });
  const logger = capturingLogger(lines);
  trusting = await startApi({
    settings: ctx.withSettings({ WEBHOOK_API_PORT: '0', WEBHOOK_API_TRUST_PROXY: '127.0.0.0/8' }),
    logger,
  });
  distrusting = await startApi({ settings: ctx.settings, logger });
  key = (await new ApiKeyStore(ctx.db).create({ organizationId: 'org-proxy' })).key;
});

afterAll(async () => {
  await trusting.close();
  await distrusting.close();
  await ctx.cleanup();
});

async function mint(api: RunningApi, requestId: string): Promise<URL> {
  const minted = await call(api.url, 'POST', '/v1/portal-sessions', {
    key,
    json: {},
    headers: { ...forwarded, 'x-request-id': requestId },
  });
  expect(minted.status).toBe(201);
  return new URL(minted.body.url as string);
}

describe('WEBHOOK_API_TRUST_PROXY', () => {
  it('behind a trusted proxy, the client address and the link origin come from X-Forwarded-*', async () => {
    const link = await mint(trusting, 'proxy-trusted');
    expect(link.origin).toBe('https://hooks.example.com');
    expect(lines.find((l) => l.requestId === 'proxy-trusted')).toMatchObject({
      ip: '203.0.113.7',
    });
  });

  it('by default X-Forwarded-* is ignored: anyone could send it', async () => {
    const link = await mint(distrusting, 'proxy-ignored');
    expect(link.origin).toBe(distrusting.url);
    expect(lines.find((l) => l.requestId === 'proxy-ignored')).toMatchObject({ ip: '127.0.0.1' });
  });

  it('true (every hop) starts with one warning line; a CIDR list or false starts with none', async () => {
    const own: Record<string, unknown>[] = [];
    const everyHop = await startApi({
      settings: ctx.withSettings({ WEBHOOK_API_PORT: '0', WEBHOOK_API_TRUST_PROXY: 'true' }),
      logger: capturingLogger(own),
    });
    await everyHop.close();
    const warnings = (from: Record<string, unknown>[]) =>
      from.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings(own)).toEqual([expect.stringMatching(/^WEBHOOK_API_TRUST_PROXY=true /)]);
    expect(warnings(lines)).toEqual([]);
  });
});
