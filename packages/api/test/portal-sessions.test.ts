import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { PORTAL_CSP } from '../src/portal/portal-headers.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

let f: ApiFixture;
let keyA: string;
let keyB: string;
let endpointA: string;
let endpointB: string;
let endpointA2: string;

beforeAll(async () => {
  // One attempt per delivery: the stats test counts exactly the attempts it caused.
  f = await startApiFixture({ WEBHOOK_MAX_ATTEMPTS: '1' }, { deliver: true });
  keyA = await f.keyFor('org-a');
  keyB = await f.keyFor('org-b');
  const create = async (key: string, json: object) =>
    (await f.call('POST', '/v1/endpoints', { key, json })).body.id as string;
  endpointA = await create(keyA, { url: f.receiver.url('/a'), event_types: ['*'] });
  endpointA2 = await create(keyA, {
    url: f.receiver.url('/a2'),
    event_types: ['*'],
    agent_id: 'agent-2',
  });
  endpointB = await create(keyB, { url: f.receiver.url('/b'), event_types: ['*'] });
});

afterAll(async () => {
  await f.close();
});

/** Mints a link with `key` and returns its token (the fragment after `#token=`). */
async function mint(key: string, json: object = {}): Promise<string> {
  const minted = await f.call('POST', '/v1/portal-sessions', { key, json });
  expect(minted.status).toBe(201);
  return new URL(minted.body.url as string).hash.replace('#token=', '');
}

/** Exchanges a token; returns the cookie pair to send back (`lw_portal=…`). */
async function exchange(token: string): Promise<string> {
  const opened = await f.call('POST', '/portal/api/session', { json: { token } });
  expect(opened.status).toBe(200);
  const setCookie = String(opened.headers['set-cookie']);
  return setCookie.split(';')[0] ?? '';
}

function asPortal(cookie: string, method: string, path: string, json?: unknown) {
  return f.call(method, path, {
    headers: { cookie },
    ...(json === undefined ? {} : { json }),
  });
}

describe('portal sessions', () => {
  it('mints a one-time link in the URL fragment, for an admin or the organization itself', async () => {
    const minted = await f.call('POST', '/v1/portal-sessions', {
      key: f.adminKey,
      json: { organization_id: 'org-a' },
    });
    expect(minted.status).toBe(201);
    expect(minted.headers['cache-control']).toBe('no-store');
    expect(minted.body).toEqual({
      id: expect.stringMatching(/^ps_/),
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/portal\/#token=lwpt_[\w-]{43}$/),
      organization_id: 'org-a',
      agent_id: null,
      expires_at: expect.any(String),
    });
    const lifetime = Date.parse(minted.body.expires_at as string) - Date.now();
    expect(lifetime).toBeGreaterThan(3_500_000);
    expect(lifetime).toBeLessThanOrEqual(3_600_000);
    // Only hashes are stored.
    const row = await f.ctx.db
      .selectFrom('webhook_portal_sessions')
      .selectAll()
      .where('id', '=', minted.body.id as string)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toHaveLength(32);
    expect(JSON.stringify(row)).not.toContain('lwpt_');

    const own = await f.call('POST', '/v1/portal-sessions', { key: keyA, json: {} });
    expect(own.body.organization_id).toBe('org-a');
    const foreign = await f.call('POST', '/v1/portal-sessions', {
      key: keyA,
      json: { organization_id: 'org-b' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.field).toBe('organization_id');
    const adminWithout = await f.call('POST', '/v1/portal-sessions', { key: f.adminKey, json: {} });
    expect(adminWithout.status).toBe(400);
    expect((await f.call('POST', '/v1/portal-sessions', { json: {} })).status).toBe(401);
  });

  it('the token opens one session, as an HttpOnly SameSite=Strict cookie scoped to /portal', async () => {
    const token = await mint(keyA);
    const opened = await f.call('POST', '/portal/api/session', { json: { token } });
    expect(opened.status).toBe(200);
    const setCookie = String(opened.headers['set-cookie']);
    expect(setCookie).toMatch(/^lw_portal=lwps_[\w-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/portal');
    expect(setCookie).toMatch(/Max-Age=(3[0-5]\d\d|3600)\b/);
    expect(opened.body).toEqual({
      organization_id: 'org-a',
      agent_id: null,
      expires_at: expect.any(String),
    });
    const again = await f.call('POST', '/portal/api/session', { json: { token } });
    expect(again.status).toBe(401);
    expect(again.body.error).toEqual({
      code: 'UNAUTHORIZED',
      field: 'token',
      message: expect.stringContaining('expired or was already used'),
    });
    expect(
      (await f.call('POST', '/portal/api/session', { json: { token: 'lwpt_nope' } })).status,
    ).toBe(401);
  });

  it("an expired link is refused, and an expired session's cookie stops working", async () => {
    const token = await mint(keyA);
    const cookie = await exchange(await mint(keyA));
    expect((await asPortal(cookie, 'GET', '/portal/api/v1/endpoints')).status).toBe(200);
    await f.ctx.db
      .updateTable('webhook_portal_sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .execute();
    expect((await f.call('POST', '/portal/api/session', { json: { token } })).status).toBe(401);
    const ended = await asPortal(cookie, 'GET', '/portal/api/v1/endpoints');
    expect(ended.status).toBe(401);
    expect(ended.body.error.field).toBe('cookie');
  });

  it("limits the session to its organization: another organization's records answer 404", async () => {
    const cookie = await exchange(await mint(keyA));
    const listed = await asPortal(cookie, 'GET', '/portal/api/v1/endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id).sort()).toEqual(
      [endpointA, endpointA2].sort(),
    );
    expect((await asPortal(cookie, 'GET', `/portal/api/v1/endpoints/${endpointA}`)).status).toBe(
      200,
    );
    for (const path of [
      `/portal/api/v1/endpoints/${endpointB}`,
      `/portal/api/v1/endpoints/${endpointB}/health`,
      `/portal/api/v1/endpoints/${endpointB}/stats`,
      `/portal/api/v1/endpoints/${endpointB}/reveal-secret`,
    ])
      expect({ path, status: (await asPortal(cookie, 'GET', path)).status }).toEqual({
        path,
        status: 404,
      });
    const deleted = await asPortal(cookie, 'DELETE', `/portal/api/v1/endpoints/${endpointB}`);
    expect(deleted.status).toBe(404);
    // An endpoint created from the portal lands in the session's organization.
    const created = await asPortal(cookie, 'POST', '/portal/api/v1/endpoints', {
      url: f.receiver.url('/new'),
      event_types: ['*'],
    });
    expect(created.status).toBe(201);
    expect(created.body.organization_id).toBe('org-a');
    const otherOrg = await asPortal(cookie, 'POST', '/portal/api/v1/endpoints', {
      url: f.receiver.url('/new'),
      event_types: ['*'],
      organization_id: 'org-b',
    });
    expect(otherOrg.status).toBe(400);
  });

  it('a session narrowed to one agent sees only that agent', async () => {
    const cookie = await exchange(await mint(keyA, { agent_id: 'agent-2' }));
    const listed = await asPortal(cookie, 'GET', '/portal/api/v1/endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([endpointA2]);
    expect((await asPortal(cookie, 'GET', `/portal/api/v1/endpoints/${endpointA}`)).status).toBe(
      404,
    );
    const who = await asPortal(cookie, 'GET', '/portal/api/v1/session');
    expect(who.body).toEqual({
      organization_id: 'org-a',
      agent_id: 'agent-2',
      expires_at: expect.any(String),
    });
  });

  it('the cookie is no credential outside the portal, an API key none inside it, and sign-out ends it', async () => {
    const cookie = await exchange(await mint(keyA));
    expect((await asPortal(cookie, 'GET', '/v1/endpoints')).status).toBe(401);
    expect((await f.call('GET', '/portal/api/v1/endpoints', { key: keyA })).status).toBe(401);
    // No route of the portal mints links or publishes.
    expect((await asPortal(cookie, 'POST', '/portal/api/v1/portal-sessions', {})).status).toBe(404);
    expect((await asPortal(cookie, 'POST', '/portal/api/v1/events', {})).status).toBe(404);
    const out = await asPortal(cookie, 'DELETE', '/portal/api/session');
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await asPortal(cookie, 'GET', '/portal/api/v1/endpoints')).status).toBe(401);
  });
});

describe('portal pages', () => {
  it('are served with a strict CSP, never framed, assets compressed and cached for good', async () => {
    const page = await f.call('GET', '/portal', { headers: { 'accept-encoding': 'identity' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(PORTAL_CSP);
    expect(PORTAL_CSP).toContain("frame-ancestors 'none'");
    expect(PORTAL_CSP).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/portal\/assets\/portal-[\w-]+\.(js|css)$/);
      const gz = await f.call('GET', asset, { headers: { 'accept-encoding': 'gzip, br' } });
      expect(gz.status).toBe(200);
      expect(gz.headers['content-encoding']).toBe('br');
      expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(gz.headers['content-security-policy']).toBe(PORTAL_CSP);
    }
    expect((await f.call('GET', '/portal/assets/../../package.json')).status).toBe(404);
    expect((await f.call('GET', '/portal/assets/nope.js')).status).toBe(404);
    const apiAnswer = await f.call('GET', '/portal/api/v1/endpoints');
    expect(apiAnswer.headers['content-security-policy']).toBe(PORTAL_CSP);
  });

  it('the portal routes stay out of the OpenAPI document, which lists the stats and session routes once', async () => {
    const document = (await f.call('GET', '/openapi.json')).body as {
      paths: Record<string, unknown>;
    };
    const paths = Object.keys(document.paths);
    expect(paths.filter((path) => path.startsWith('/portal'))).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining(['/v1/portal-sessions', '/v1/endpoints/{id}/stats']),
    );
  });
});

describe('endpoint stats', () => {
  it('counts attempts per bar by outcome and computes latency percentiles', async () => {
    f.receiver.respond((request, index) =>
      request.path === '/stats' && index % 2 === 1 ? { status: 500, body: 'no' } : { status: 200 },
    );
    const created = await f.call('POST', '/v1/endpoints', {
      key: keyA,
      json: {
        url: f.receiver.url('/stats'),
        event_types: ['agent.run.completed'],
        agent_id: 'agent-s',
      },
    });
    const id = created.body.id as string;
    // Test events: one attempt each, answered 200, 500, 200, 500 by the receiver.
    for (let i = 0; i < 4; i++) {
      const sent = await f.call('POST', `/v1/endpoints/${id}/test`, {
        key: keyA,
        json: { event_type: 'agent.run.completed' },
      });
      expect(sent.status).toBe(200);
    }
    const stats = await f.call('GET', `/v1/endpoints/${id}/stats?window=24h`, { key: keyA });
    expect(stats.status).toBe(200);
    expect(stats.body.buckets).toHaveLength(24);
    expect(stats.body.bucket_ms).toBe(3_600_000);
    const total = (stats.body.buckets as { succeeded: number; failed: number }[]).reduce(
      (sum, b) => ({ ok: sum.ok + b.succeeded, bad: sum.bad + b.failed }),
      { ok: 0, bad: 0 },
    );
    expect(total).toEqual({ ok: 2, bad: 2 });
    expect(stats.body.buckets.at(-1)).toEqual({
      start: expect.any(String),
      succeeded: 2,
      failed: 2,
      p50: stats.body.latency.p50,
      p99: stats.body.latency.p99,
    });
    expect(stats.body.latency).toEqual({
      attempts: 4,
      p50: expect.any(Number),
      p90: expect.any(Number),
      p99: expect.any(Number),
    });
    const week = await f.call('GET', `/v1/endpoints/${id}/stats?window=7d`, { key: keyA });
    expect(week.body.buckets).toHaveLength(28);
    expect((await f.call('GET', `/v1/endpoints/${id}/stats?window=1y`, { key: keyA })).status).toBe(
      400,
    );
    expect((await f.call('GET', `/v1/endpoints/${id}/stats`, { key: keyB })).status).toBe(404);
    f.receiver.respond(() => ({ status: 200, body: 'ok' }));
  });

  it('an endpoint without attempts has empty bars and no latency', async () => {
    const stats = await f.call('GET', `/v1/endpoints/${endpointA2}/stats`, { key: keyA });
    expect(stats.body.window).toBe('24h');
    expect(
      (stats.body.buckets as { succeeded: number; failed: number; p50: null; p99: null }[]).every(
        (b) => b.succeeded === 0 && b.failed === 0 && b.p50 === null && b.p99 === null,
      ),
    ).toBe(true);
    expect(stats.body.latency).toEqual({ attempts: 0, p50: null, p90: null, p99: null });
  });
});
