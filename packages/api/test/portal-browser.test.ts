import { describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { waitFor } from '../../../test/support/harness.js';
import {
  HOSTILE,
  expectNothingExecuted,
  expectQuietWatch,
  focusedText,
  shot,
  usePortal,
} from './support/portal-page.js';

// The portal in a real browser (Debian's Chromium through playwright-core)
// against a real API, worker and receiver on loopback.

let failing = false;
const portal = usePortal({ WEBHOOK_MAX_ATTEMPTS: '2' }, () =>
  failing
    ? { status: 500, headers: { 'content-type': 'text/html' }, body: `receiver down ${HOSTILE}` }
    : { status: 200, body: 'ok' },
);

const linkFor = (organizationId: string) => portal.link(organizationId);
const watched = () => portal.page();
const accessible = (page: Page, name: string) => portal.expectAccessible(page, name);

describe('the portal in a browser', () => {
  let page: Page;
  let endpointId: string;

  it('opens from a link: the token leaves the address bar and the endpoints page shows', async () => {
    page = await watched();
    await page.goto(await linkFor('org-a'));
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    expect(page.url()).toMatch(/\/portal\/#\/endpoints$/);
    await page.getByText('No endpoints yet').waitFor();
    const cookies = await portal.browser.context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({
        name: 'lw_portal',
        httpOnly: true,
        sameSite: 'Strict',
        path: '/portal',
      }),
    ]);
    // The page's own scripts cannot read the session cookie.
    expect(await page.evaluate('document.cookie')).toBe('');
  }, 60_000);

  it('creates an endpoint from the page, with the keyboard only', async () => {
    const focused = () => focusedText(page);
    // Each page takes the focus: the first Tab reaches its first control.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Add endpoint');
    // Backwards: the header, in reading order.
    const back: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Shift+Tab');
      back.push(await focused());
    }
    expect(back).toEqual([
      'Sign out',
      'Event catalogue',
      'Delivery log',
      'Endpoints',
      'Skip to content',
    ]);
    // The skip link moves on to the content, and Enter follows "Add endpoint".
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Add endpoint');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Add endpoint' }).waitFor();
    await page.getByLabel('All event types').waitFor();
    await accessible(page, 'new endpoint');
    await shot(page, 'new-endpoint');
    // From the page's start: Tab to the URL field, type, Tab on, Enter submits.
    await page.getByLabel('Endpoint URL').focus();
    await page.keyboard.type(portal.api.receiver.url('/hook'));
    await page.keyboard.press('Tab');
    await page.keyboard.type('Orders service');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Endpoint added' }).waitFor();
    const secret = await page.locator('code.secret').textContent();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('link', { name: 'Go to the endpoint' }).click();
    await page.getByRole('heading', { name: portal.api.receiver.url('/hook') }).waitFor();
    endpointId = /#\/endpoints\/(ep_\w+)/.exec(page.url())?.[1] ?? '';
    expect(endpointId).toMatch(/^ep_/);
  }, 60_000);

  it('sends a test event and shows the attempt; the log shows it succeeded', async () => {
    await page.getByLabel('Event type to send').selectOption('agent.run.completed');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.locator('.test-result').getByText('Succeeded').waitFor();
    await expect(page.locator('.test-result').textContent()).resolves.toContain('HTTP 200');
    await page.getByText('1 succeeded', { exact: true }).waitFor();
    await accessible(page, 'endpoint');
    await shot(page, 'endpoint', true);
    await page.getByRole('link', { name: 'Delivery log' }).first().click();
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    const row = page.locator('tbody tr').first();
    await row.getByText('Succeeded').waitFor();
    await expect(row.textContent()).resolves.toContain('agent.run.completed');
  }, 60_000);

  it('shows a failed attempt with its response excerpt as text, resends it, and sees it succeed', async () => {
    failing = true;
    const data = { ...EXAMPLE_EVENT_DATA['agent.message.sent'], note: HOSTILE };
    const published = await portal.api.call('POST', '/v1/events', {
      key: portal.api.adminKey,
      json: {
        organization_id: 'org-a',
        agent_id: 'agent-1',
        event_type: 'agent.message.sent',
        data,
      },
    });
    expect(published.status).toBe(202);
    const deliveryId = published.body.deliveries[0].delivery_id as string;
    await waitFor(
      async () => {
        const d = await portal.api.call('GET', `/v1/deliveries/${deliveryId}`, {
          key: portal.api.adminKey,
        });
        return d.body.status === 'failed' ? true : undefined;
      },
      { what: 'the delivery to fail' },
    );
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('tbody tr').first().getByText('Failed').waitFor();
    await accessible(page, 'delivery log');
    await shot(page, 'deliveries');
    await page.locator('tbody tr').first().getByRole('link').click();
    await page.getByRole('heading', { name: /Attempts \(2\)/ }).waitFor();
    const excerpt = page.getByLabel('Response body of attempt 2');
    await expect(excerpt.textContent()).resolves.toBe(`receiver down ${HOSTILE}`);
    const body = await page.getByLabel('Request body').textContent();
    expect(body).toContain('window.__pwned=2</script>');
    await page.getByText('Request headers').first().click();
    const headers = await page.getByLabel('Request headers of attempt 2').textContent();
    expect(headers).toContain(`X-Letta-Delivery-Id: ${deliveryId}`);
    expect(headers).toContain('X-Letta-Attempt: 2');
    expect(headers).toContain('X-Letta-Signature: sha256=(elided)');
    expect(headers).not.toMatch(/whsec_/);
    await expectNothingExecuted(page);
    await accessible(page, 'delivery');
    await shot(page, 'delivery', true);

    failing = false;
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByText('Resend queued.').waitFor();
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.waitForTimeout(200);
        return (await page.getByRole('heading', { name: /Attempts \(3\)/ }).count()) > 0
          ? true
          : undefined;
      },
      { what: 'the resent attempt to show' },
    );
    await page.locator('.card').first().getByText('Succeeded').waitFor();
    await expect(page.locator('li.attempt').first().textContent()).resolves.toContain('resent');
    await expectNothingExecuted(page);
  }, 60_000);

  it('shows the event catalogue with copyable schemas', async () => {
    await page.getByRole('link', { name: 'Event catalogue' }).click();
    await page.getByRole('heading', { name: 'agent.step.completed' }).waitFor();
    expect(await page.locator('summary', { hasText: 'Example payload' }).count()).toBe(8);
    await page.getByText('JSON Schema').first().click();
    await page.getByRole('button', { name: 'Copy schema' }).first().waitFor();
    await accessible(page, 'catalogue');
    await shot(page, 'catalogue');
  }, 60_000);

  it("another organization's endpoint and delivery are not found from a direct URL", async () => {
    const other = await portal.api.call('POST', '/v1/endpoints', {
      key: portal.api.adminKey,
      json: { organization_id: 'org-b', url: portal.api.receiver.url('/b'), event_types: ['*'] },
    });
    const sent = await portal.api.call('POST', `/v1/endpoints/${other.body.id}/test`, {
      key: portal.api.adminKey,
    });
    await page.goto(`${portal.api.api.url}/portal/#/endpoints/${other.body.id}`);
    await page
      .getByRole('alert')
      .getByText(/Not found/)
      .waitFor();
    await page.goto(`${portal.api.api.url}/portal/#/deliveries/${sent.body.delivery_id}`);
    await page
      .getByRole('alert')
      .getByText(/Not found/)
      .waitFor();
    await page.goto(`${portal.api.api.url}/portal/#/endpoints`);
    await page.getByRole('link', { name: portal.api.receiver.url('/hook') }).waitFor();
    expect(await page.getByText(portal.api.receiver.url('/b')).count()).toBe(0);
    await accessible(page, 'endpoints');
    await shot(page, 'endpoints');
  }, 60_000);

  it('refuses a used link and an expired one', async () => {
    const used = await linkFor('org-a');
    const first = await watched();
    await first.goto(used);
    await first.getByRole('heading', { name: 'Endpoints' }).waitFor();
    await first.close();
    await portal.browser.context.clearCookies();
    const again = await watched();
    await again.goto(used);
    await again.getByText('This portal link has expired or was already used').waitFor();
    await again.close();

    const expired = await linkFor('org-a');
    await portal.api.ctx.db
      .updateTable('webhook_portal_sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('exchanged_at', 'is', null)
      .execute();
    const late = await watched();
    await late.goto(expired);
    await late.getByText('This portal link has expired or was already used').waitFor();
    expect(await late.getByRole('link', { name: 'Endpoints' }).count()).toBe(0);
    await accessible(late, 'expired link');
    await shot(late, 'expired-link');
    await late.close();
  }, 60_000);

  it('loaded nothing from another origin and logged no error', () => {
    expectQuietWatch(portal.watch);
  });
});
