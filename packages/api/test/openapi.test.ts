import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

const COMMITTED = new URL('../openapi.json', import.meta.url);

let f: ApiFixture;

beforeAll(async () => {
  f = await startApiFixture();
});

afterAll(async () => {
  await f.close();
});

describe('OpenAPI document', () => {
  it('the committed packages/api/openapi.json is what the server serves (run `pnpm openapi` after changing a route)', async () => {
    const served = await f.call('GET', '/openapi.json');
    expect(served.status).toBe(200);
    const committed: unknown = JSON.parse(await readFile(COMMITTED, 'utf8'));
    expect(served.body).toEqual(committed);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const served = await f.call('GET', '/openapi.json');
    const validator = new Validator();
    const result = await validator.validate(served.body as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route under /v1, each with an operation id, its errors and the bearer key', async () => {
    const document = (await f.call('GET', '/openapi.json')).body as {
      paths: Record<
        string,
        Record<
          string,
          { operationId?: string; responses: Record<string, unknown>; security?: unknown[] }
        >
      >;
      security: unknown[];
    };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = [
      'POST /v1/events',
      'POST /v1/events/batch',
      'POST /v1/events/{id}/replay',
      'GET /v1/endpoints',
      'POST /v1/endpoints',
      'GET /v1/endpoints/{id}',
      'PATCH /v1/endpoints/{id}',
      'DELETE /v1/endpoints/{id}',
      'POST /v1/endpoints/{id}/rotate-secret',
      'POST /v1/endpoints/{id}/disable',
      'POST /v1/endpoints/{id}/enable',
      'GET /v1/endpoints/{id}/health',
      'GET /v1/endpoints/{id}/reveal-secret',
      'POST /v1/endpoints/{id}/test',
      'POST /v1/endpoints/{id}/recover',
      'GET /v1/deliveries',
      'GET /v1/deliveries/{id}',
      'POST /v1/deliveries/{id}/resend',
      'GET /v1/event-types',
      'GET /v1/endpoints/{id}/stats',
      'POST /v1/portal-sessions',
    ];
    expect(documented.filter((route) => route.includes(' /v1/')).sort()).toEqual(expected.sort());
    expect(document.security).toEqual([{ apiKey: [] }]);
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const operation of Object.values(methods)) {
        expect(operation.operationId).toEqual(expect.any(String));
        if (path.startsWith('/v1/'))
          expect(Object.keys(operation.responses)).toEqual(
            expect.arrayContaining(['400', '401', '503']),
          );
        else expect(operation.security).toEqual([]);
      }
    }
  });
});

describe('the /docs reference page', () => {
  it('is served with every script, style and request from our own origin', async () => {
    const page = await f.call('GET', '/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    // Every asset the page loads is a relative path, fetched from this server.
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const loaded = await f.call('GET', new URL(asset, `${f.api.url}/docs/`).pathname);
      expect({ asset, status: loaded.status }).toEqual({ asset, status: 200 });
    }
    const initializer = await f.call('GET', '/docs/static/swagger-initializer.js');
    expect(initializer.text).toContain('validatorUrl: null');
    // No other origin in the code (a link in a comment is no request).
    const code = initializer.text.replace(/\/\/ .*$/gm, '');
    expect(code).not.toMatch(/https?:\/\//);
    expect((await f.call('GET', '/docs/json')).status).toBe(200);
  });
});
