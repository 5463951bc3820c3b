import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { waitFor } from '../../../test/support/harness.js';
import type { ReceivedRequest } from '../../../test/support/receiver.js';
import {
  HOSTILE,
  expectNothingExecuted,
  expectQuietWatch,
  focusedText,
  shot,
  usePortal,
} from './support/portal-page.js';

// Managing one endpoint from the portal, in Debian's Chromium: every action
// is checked where it lands — the endpoint's row in Postgres, or what the
// receiver got (signatures checked here with node:crypto, not the library).

let page: Page;
let hostileResponse = false;
const portal = usePortal({}, () =>
  hostileResponse
    ? { status: 200, headers: { 'content-type': 'text/html' }, body: `thanks ${HOSTILE}` }
    : { status: 200, body: 'ok' },
);

beforeAll(async () => {
  page = await portal.page();
  await page.goto(await portal.link('org-m'));
  await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
}, 60_000);

/** The endpoint's row as stored. */
async function row(id: string) {
  return portal.api.ctx.db
    .selectFrom('webhook_endpoints')
    .select([
      'organization_id',
      'url',
      'description',
      'event_types',
      'enabled',
      'disabled_reason',
      'deleted_at',
    ])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** The signatures of one received request that verify with `secret`, by our own HMAC. */
function verifiedBy(request: ReceivedRequest, secret: string): number {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['x-letta-timestamp']);
  const expected = createHmac('sha256', key)
    .update(`${id}.${timestamp}.`)
    .update(request.body)
    .digest('hex');
  const given = String(request.headers['x-letta-signature']).split(' ');
  return given.filter((signature) => signature === `sha256=${expected}`).length;
}

/** Sends a test event of `type` from the page; returns what the receiver got, once the page shows it. */
async function sendTest(type: string): Promise<ReceivedRequest> {
  const managed = () => portal.api.receiver.requests.filter((r) => r.path.startsWith('/managed'));
  const before = managed().length;
  await page.getByLabel('Event type to send').selectOption(type);
  await page.getByRole('button', { name: 'Send test event' }).click();
  const request = await waitFor(() => managed()[before], {
    what: 'the test event',
    timeoutMs: 40_000,
  });
  expect(managed()).toHaveLength(before + 1);
  expect(request.headers['x-letta-event-type']).toBe(type);
  // The page shows this delivery's attempt.
  const result = page.locator('.test-result', {
    has: page.locator(`a[href="#/deliveries/${String(request.headers['x-letta-delivery-id'])}"]`),
  });
  await result.getByText('Succeeded').waitFor();
  return request;
}

async function revealedSecret(): Promise<string> {
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  // The mask gives way to the secret once the API answers.
  const shown = page.locator('code.secret', { hasText: /^whsec_[A-Za-z0-9+/=]+$/ });
  await shown.waitFor();
  return (await shown.textContent()) ?? '';
}

describe('managing an endpoint from the portal', () => {
  let id: string;
  let secret: string;

  it('adds an endpoint for the event types picked', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill(portal.api.receiver.url('/managed'));
    await page.getByLabel('Description (optional)').fill(`Billing ${HOSTILE}`);
    await page.getByLabel('All event types').uncheck();
    await page.getByLabel('agent.run.completed').check();
    await page.getByLabel('agent.step.failed').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'Endpoint added' }).waitFor();
    const shown = await page.locator('code.secret').textContent();
    await page.getByRole('link', { name: 'Go to the endpoint' }).click();
    await page.getByRole('heading', { name: portal.api.receiver.url('/managed') }).waitFor();
    id = /#\/endpoints\/(ep_\w+)/.exec(page.url())?.[1] ?? '';
    expect(await row(id)).toEqual({
      organization_id: 'org-m',
      url: portal.api.receiver.url('/managed'),
      description: `Billing ${HOSTILE}`,
      event_types: ['agent.run.completed', 'agent.step.failed'],
      enabled: true,
      disabled_reason: null,
      deleted_at: null,
    });
    secret = await revealedSecret();
    expect(secret).toBe(shown);
  }, 60_000);

  it('sends a test event the receiver gets, signed with the revealed secret', async () => {
    const request = await sendTest('agent.step.failed');
    expect(verifiedBy(request, secret)).toBe(1);
    const body = JSON.parse(request.body.toString('utf8'));
    expect(body).toMatchObject({ event_type: 'agent.step.failed', organization_id: 'org-m' });
    const result = (await page.locator('.test-result').textContent()) ?? '';
    expect(result).toMatch(/HTTP 200 in \d+ ms/);
  }, 60_000);

  it("shows a receiver's hostile response to a test event as text", async () => {
    hostileResponse = true;
    await sendTest('agent.run.completed');
    hostileResponse = false;
    await expect(page.getByLabel('Response excerpt').textContent()).resolves.toBe(
      `thanks ${HOSTILE}`,
    );
    await expectNothingExecuted(page);
  }, 60_000);

  it('edits the URL, description and event types', async () => {
    await page
      .getByLabel('Endpoint URL', { exact: true })
      .fill(portal.api.receiver.url('/managed?v=2'));
    await page.getByLabel('Description', { exact: true }).fill('Billing, v2');
    await page.getByLabel('agent.step.failed').uncheck();
    await page.getByLabel('tool.execution.completed').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect(await row(id)).toMatchObject({
      url: portal.api.receiver.url('/managed?v=2'),
      description: 'Billing, v2',
      event_types: ['agent.run.completed', 'tool.execution.completed'],
    });
    await page.getByRole('heading', { name: portal.api.receiver.url('/managed?v=2') }).waitFor();
  }, 60_000);

  it('disables with a reason the list shows, and enables again', async () => {
    // From the keyboard: type the reason, Tab to the button, Enter.
    await page.getByLabel('Reason (optional)').focus();
    await page.keyboard.type('Receiver migrating');
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('Disable endpoint');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Enable endpoint' }).waitFor();
    expect(await row(id)).toMatchObject({ enabled: false, disabled_reason: 'Receiver migrating' });
    await page.getByRole('link', { name: 'Endpoints', exact: true }).click();
    const listed = page.locator('tbody tr', { hasText: portal.api.receiver.url('/managed?v=2') });
    await listed.getByText('Disabled').waitFor();
    await listed.getByText('Receiver migrating').waitFor();
    // The description is text here too.
    await expectNothingExecuted(page);
    await portal.expectAccessible(page, 'endpoints with a disabled one');
    await shot(page, 'endpoints-disabled');
    await listed.getByRole('link').click();
    await page.getByRole('button', { name: 'Enable endpoint' }).click();
    await page.getByRole('button', { name: 'Disable endpoint' }).waitFor();
    expect(await row(id)).toMatchObject({ enabled: true, disabled_reason: null });
  }, 60_000);

  it('rotates the secret: both sign during the overlap, then only the new one', async () => {
    await page
      .getByLabel('When rotating')
      .selectOption({ label: 'Keep the old one valid for 1 hour' });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText(/The previous one keeps signing too until/).waitFor();
    const rotated = (await page.locator('code.secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    const overlapping = await sendTest('agent.run.completed');
    expect(String(overlapping.headers['x-letta-signature']).split(' ')).toHaveLength(2);
    expect([verifiedBy(overlapping, rotated), verifiedBy(overlapping, secret)]).toEqual([1, 1]);

    await page.getByLabel('When rotating').selectOption({ label: 'Revoke the old secret at once' });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('The previous one was revoked.').waitFor();
    const latest = (await page.locator('code.secret').textContent()) ?? '';
    expect(latest).not.toBe(rotated);
    const after = await sendTest('agent.run.completed');
    // Only the newest signs: the 1-hour overlap of the first went with the revocation.
    expect([
      verifiedBy(after, latest),
      verifiedBy(after, rotated),
      verifiedBy(after, secret),
    ]).toEqual([1, 0, 0]);
    await portal.expectAccessible(page, 'endpoint after rotation');
  }, 60_000);

  it('deletes the endpoint: the row is marked deleted and the page no longer finds it', async () => {
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    await page.getByText('No endpoints yet').waitFor();
    expect((await row(id)).deleted_at).toBeInstanceOf(Date);
    await page.goto(`${portal.api.api.url}/portal/#/endpoints/${id}`);
    await page
      .getByRole('alert')
      .getByText(/Not found/)
      .waitFor();
  }, 60_000);

  it('loaded nothing from another origin and logged no error', () => {
    expectQuietWatch(portal.watch);
  });
});
