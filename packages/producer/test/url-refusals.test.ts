import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { rejection } from '../../../test/support/errors.js';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { createProducer, type Producer } from '../src/index.js';

let ctx: TestContext;
// The default guard: no allow-list, so loopback is refused.
let strict: Producer;
// Loopback allow-listed, as in local development.
let local: Producer;

beforeAll(async () => {
  ctx = await createTestContext();
  strict = createProducer({ settings: ctx.withSettings({ WEBHOOK_ALLOWED_CIDRS: '' }) });
  local = createProducer({ settings: ctx.withSettings({ WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' }) });
});

afterAll(async () => {
  await strict.close();
  await local.close();
  await ctx.cleanup();
});

const endpoint = (url: string) => ({ url, organizationId: 'org-u', eventTypes: ['*'] });

describe('URL refusals', () => {
  const loopbackNames = [
    'http://localhost/hook',
    'http://LOCALHOST./hook',
    'https://localhost:8443/',
    'http://api.localhost/hook',
    'http://Deep.Api.LocalHost./x',
  ];

  it.each(loopbackNames)(
    'refuses %s at creation while loopback is not allow-listed',
    async (url) => {
      const error = await rejection(strict.createEndpoint(endpoint(url)));
      expect(error).toMatchObject({ code: 'INVALID_URL', field: 'url' });
      expect(error.message).toMatch(/reserved for loopback \(RFC 6761\)/);
    },
  );

  it('accepts loopback names when the allow-list covers loopback', async () => {
    for (const url of loopbackNames)
      await expect(local.createEndpoint(endpoint(url))).resolves.toBeDefined();
    // Names that merely contain the word are ordinary host names.
    await expect(
      strict.createEndpoint(endpoint('https://localhost.example.com/')),
    ).resolves.toBeDefined();
    await expect(strict.createEndpoint(endpoint('https://mylocalhost/'))).resolves.toBeDefined();
  });

  // One code for every refusal, whichever check made it, with the field and the reason.
  it.each([
    ['ftp://example.com/x', /scheme ftp: is not allowed/],
    ['not a url', /spaces or control/],
    ['/relative', /absolute http\(s\) URL/],
    ['javascript:alert(1)', /scheme javascript:/],
    ['https://user:pw@example.com/', /credentials/],
    [`https://example.com/${'a'.repeat(2100)}`, /at most 2048/],
    ['http://10.0.0.1/hook', /not public \(private\)/],
    ['http://[::1]/', /not public \(loopback\)/],
    ['http://localhost/', /reserved for loopback/],
  ])('createEndpoint(%j): INVALID_URL on url', async (url, reason) => {
    const error = await rejection(strict.createEndpoint(endpoint(url)));
    expect(error).toMatchObject({ code: 'INVALID_URL', field: 'url' });
    expect(error.message).toMatch(reason);
  });

  it('updateEndpoint and a publish callbackUrl refuse with the same code, naming their field', async () => {
    const created = await strict.createEndpoint(endpoint('https://example.com/ok'));
    for (const url of ['ftp://example.com/', 'https://u:p@example.com/', 'http://localhost./']) {
      expect(await rejection(strict.updateEndpoint(created.id, { url }))).toMatchObject({
        code: 'INVALID_URL',
        field: 'url',
      });
      expect(
        await rejection(
          strict.publishEvent(
            'agent-u',
            'agent.run.completed',
            EXAMPLE_EVENT_DATA['agent.run.completed'],
            {
              organizationId: 'org-u',
              callbackUrl: url,
            },
          ),
        ),
      ).toMatchObject({ code: 'INVALID_URL', field: 'callbackUrl' });
    }
    // Other bad input keeps its own code.
    expect(
      await rejection(
        strict.createEndpoint({ ...endpoint('https://example.com/'), eventTypes: [] }),
      ),
    ).toMatchObject({ code: 'INVALID_INPUT', field: 'eventTypes' });
  });
});
