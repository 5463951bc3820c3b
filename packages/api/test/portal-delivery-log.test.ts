import { beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA, type EventType } from '@letta-webhooks/shared';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { waitFor } from '../../../test/support/harness.js';
import { ARTIFACTS } from './support/browser.js';
import { expectQuietWatch, focusedText, shot, usePortal } from './support/portal-page.js';

// The delivery log, recovery, the charts and the catalogue in Debian's
// Chromium: what the page lists is compared with what Postgres holds for the
// same filter, and recovery is checked at the receiver.

const ORG = 'org-log';
const DAY = 86_400_000;

let page: Page;
let twoFailing = true;
const portal = usePortal({ WEBHOOK_MAX_ATTEMPTS: '1' }, (request) =>
  request.path === '/two' && twoFailing
    ? { status: 503, body: 'two is down' }
    : { status: 200, body: 'ok' },
);
let one: string;
let two: string;

/** Deliveries of the organization as stored, newest first, with what the filters look at. */
async function stored() {
  return portal.api.ctx.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'event_id', 'endpoint_id', 'event_type', 'status', 'created_at'])
    .where('organization_id', '=', ORG)
    .execute();
}

/** The page's log lists exactly `ids` (polled: the page loads after each filter change). */
async function expectLogShows(ids: readonly string[]): Promise<void> {
  const want = [...ids].sort();
  let shown: string[] = [];
  await waitFor(
    async () => {
      shown = (
        await page
          .locator('tbody tr a[href^="#/deliveries/"]')
          .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))
      )
        .map((href) => href.replace('#/deliveries/', ''))
        .sort();
      return JSON.stringify(shown) === JSON.stringify(want) ? true : undefined;
    },
    { what: 'the log to show the stored deliveries', timeoutMs: 20_000 },
  ).catch(() => {
    expect(shown).toEqual(want);
  });
}

/** `iso` as a datetime-local input takes it (the browser runs in UTC), to the minute. */
const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16);

async function applyFilters(): Promise<void> {
  await page.getByRole('button', { name: 'Apply filters' }).click();
}

beforeAll(async () => {
  const create = async (path: string, eventTypes: string[]) =>
    (
      await portal.api.call('POST', '/v1/endpoints', {
        key: portal.api.adminKey,
        json: { organization_id: ORG, url: portal.api.receiver.url(path), event_types: eventTypes },
      })
    ).body.id as string;
  one = await create('/one', ['*']);
  two = await create('/two', ['agent.run.completed', 'agent.step.failed']);
  const publish = async (type: EventType, count: number) => {
    for (let i = 0; i < count; i++) {
      const answer = await portal.api.call('POST', '/v1/events', {
        key: portal.api.adminKey,
        json: {
          organization_id: ORG,
          agent_id: 'agent-1',
          event_type: type,
          data: EXAMPLE_EVENT_DATA[type],
        },
      });
      expect(answer.status).toBe(202);
    }
  };
  await publish('agent.run.completed', 3);
  await publish('agent.step.failed', 2);
  await publish('agent.message.sent', 2);
  await waitFor(
    async () => {
      const rows = await stored();
      return rows.length === 12 && rows.every((r) => r.status !== 'pending') ? true : undefined;
    },
    { what: 'every delivery to finish', timeoutMs: 60_000 },
  );
  // Two of endpoint one's deliveries (and their attempts) happened three days ago.
  const old = (await stored())
    .filter((r) => r.endpoint_id === one && r.event_type === 'agent.message.sent')
    .map((r) => r.id);
  // (created_at is not updatable through the table types: raw SQL.)
  await sql`UPDATE webhook_deliveries SET created_at = created_at - interval '3 days'
            WHERE id = ANY(${old})`.execute(portal.api.ctx.db);
  await sql`UPDATE webhook_attempts SET started_at = started_at - interval '3 days'
            WHERE delivery_id = ANY(${old})`.execute(portal.api.ctx.db);

  page = await portal.page();
  await page.goto(await portal.link(ORG));
  await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
}, 120_000);

describe('the delivery log, recovery, charts and catalogue', () => {
  it('filters by endpoint, status, event type and time, as Postgres does', async () => {
    await page.getByRole('link', { name: 'Delivery log' }).click();
    const rows = await stored();
    await expectLogShows(rows.map((r) => r.id));

    await page.getByLabel('Endpoint', { exact: true }).selectOption(two);
    await applyFilters();
    await expectLogShows(rows.filter((r) => r.endpoint_id === two).map((r) => r.id));

    await page.getByLabel('Endpoint', { exact: true }).selectOption('');
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await applyFilters();
    const failed = rows.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(5);
    await expectLogShows(failed.map((r) => r.id));

    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByLabel('Event type').selectOption('agent.message.sent');
    // From the keyboard: Tab on (through the date fields' parts) to "Apply filters", Enter applies.
    await page.getByLabel('Event type').focus();
    for (let tabs = 0; tabs < 20 && (await focusedText(page)) !== 'Apply filters'; tabs++)
      await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('Apply filters');
    await page.keyboard.press('Enter');
    await expectLogShows(
      rows.filter((r) => r.event_type === 'agent.message.sent').map((r) => r.id),
    );

    // Two of the twelve were made three days ago.
    await page.getByLabel('Event type').selectOption('');
    const recent = (r: { created_at: Date }) => r.created_at.getTime() > Date.now() - DAY;
    const moved = await stored();
    expect(moved.filter(recent)).toHaveLength(10);
    await page.getByLabel('From').fill(minute(Date.now() - DAY));
    await applyFilters();
    await expectLogShows(moved.filter(recent).map((r) => r.id));
    await page.getByLabel('From').fill('');
    await page.getByLabel('Until').fill(minute(Date.now() - 2 * DAY));
    await applyFilters();
    await expectLogShows(moved.filter((r) => !recent(r)).map((r) => r.id));
    await portal.expectAccessible(page, 'delivery log filtered by time');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expectLogShows(moved.map((r) => r.id));
    await expect(page.getByLabel('Until').inputValue()).resolves.toBe('');
  }, 60_000);

  it("charts an endpoint's attempts over 24 hours and 7 days, with the latency percentiles", async () => {
    await page.goto(`${portal.api.api.url}/portal/#/endpoints/${one}`);
    const caption = page.locator('figcaption');
    await caption.getByText('5 succeeded', { exact: true }).waitFor();
    const attempts = await portal.api.ctx.db
      .selectFrom('webhook_attempts as a')
      .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .select(['a.duration_ms', 'a.started_at'])
      .where('d.endpoint_id', '=', one)
      .execute();
    // percentile_cont computed here, written as the page writes durations.
    const percentile = (durations: readonly number[], p: number) => {
      const sorted = [...durations].sort((a, b) => a - b);
      const at = p * (sorted.length - 1);
      const lo = sorted[Math.floor(at)] ?? NaN;
      const hi = sorted[Math.ceil(at)] ?? NaN;
      const ms = Math.round((lo + (hi - lo) * (at - Math.floor(at))) * 10) / 10;
      return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
    };
    const all = attempts.map((a) => a.duration_ms);
    const today = attempts
      .filter((a) => a.started_at.getTime() > Date.now() - DAY)
      .map((a) => a.duration_ms);
    expect([all.length, today.length]).toEqual([7, 5]);
    // The toggle works from the keyboard.
    await page.getByRole('button', { name: 'Last 7 days' }).focus();
    await page.keyboard.press('Space');
    await caption.getByText('7 succeeded', { exact: true }).waitFor();
    await expect(
      page.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed'),
    ).resolves.toBe('true');
    // Over the window, and per bar: today's bar and the one three days ago.
    await expect(
      page.locator('figcaption', { hasText: 'over 7 attempts' }).textContent(),
    ).resolves.toContain(
      `p50 ${percentile(all, 0.5)}, p90 ${percentile(all, 0.9)}, p99 ${percentile(all, 0.99)}`,
    );
    const medians = await page.locator('circle.dot.p50 title').allTextContents();
    expect(medians).toHaveLength(2);
    expect(medians[1]).toMatch(new RegExp(`: median ${percentile(today, 0.5)}$`));
    const p99s = await page.locator('circle.dot.p99 title').allTextContents();
    expect(p99s[1]).toMatch(new RegExp(`: 99th percentile ${percentile(today, 0.99)}$`));
    await portal.expectAccessible(page, 'endpoint chart, 7 days');
    await shot(page, 'endpoint-7d', true);
    await page
      .getByRole('region', { name: 'Attempts' })
      .screenshot({ path: new URL('endpoint-chart.png', ARTIFACTS).pathname });
  }, 60_000);

  it("recovers an endpoint's failed deliveries since a time: the receiver gets them", async () => {
    // The list's health columns say what the endpoint's row holds.
    await page.getByRole('link', { name: 'Endpoints', exact: true }).click();
    await page.getByRole('link', { name: portal.api.receiver.url('/two') }).waitFor();
    const health = await portal.api.ctx.db
      .selectFrom('webhook_endpoints')
      .select(['consecutive_failures', 'last_success_at'])
      .where('id', '=', two)
      .executeTakeFirstOrThrow();
    expect(health).toEqual({ consecutive_failures: 5, last_success_at: null });
    const cells = page
      .locator('tbody tr', { hasText: portal.api.receiver.url('/two') })
      .locator('td')
      .allTextContents();
    await expect(cells).resolves.toEqual([
      portal.api.receiver.url('/two'),
      'agent.run.completed, agent.step.failed',
      'Enabled',
      '—',
      '5',
    ]);
    twoFailing = false;
    await page.goto(`${portal.api.api.url}/portal/#/endpoints/${two}`);
    await page.locator('figcaption').getByText('5 failed', { exact: true }).waitFor();
    const before = portal.api.receiver.requestsTo('/two').length;
    await page.getByRole('button', { name: 'Send them again' }).click();
    await page.getByText('5 failed deliveries were queued again.').waitFor();
    await waitFor(
      async () => {
        const rows = (await stored()).filter((r) => r.endpoint_id === two);
        return rows.every((r) => r.status === 'succeeded') ? true : undefined;
      },
      { what: 'the recovered deliveries to succeed', timeoutMs: 40_000 },
    );
    expect(portal.api.receiver.requestsTo('/two')).toHaveLength(before + 5);
    await page.getByRole('button', { name: 'Refresh chart' }).click();
    await page.locator('figcaption').getByText('5 succeeded', { exact: true }).waitFor();
    await page.locator('figcaption').getByText('5 failed', { exact: true }).waitFor();
  }, 60_000);

  it("copies a delivery's body exactly as sent, and an example and a schema from the catalogue", async () => {
    await portal.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(portal.api.api.url).origin,
    });
    const clipboard = () => page.evaluate<string>('navigator.clipboard.readText()');
    const [delivery] = await stored();
    const sent = await portal.api.ctx.db
      .selectFrom('webhook_events')
      .select('body')
      .where('id', '=', delivery?.event_id ?? '')
      .executeTakeFirstOrThrow();
    await page.goto(`${portal.api.api.url}/portal/#/deliveries/${delivery?.id}`);
    await page.getByRole('button', { name: 'Copy body' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    await expect(clipboard()).resolves.toBe(sent.body);

    const catalogue = await portal.api.call('GET', '/v1/event-types', { key: portal.api.adminKey });
    const first = catalogue.body.data[0];
    await page.getByRole('link', { name: 'Event catalogue' }).click();
    const section = page.getByRole('region', { name: first.event_type });
    await section.getByText('Example payload').click();
    await section.getByRole('button', { name: 'Copy example' }).click();
    await section.getByRole('button', { name: 'Copied' }).waitFor();
    expect(JSON.parse(await clipboard())).toEqual(first.example);
    await section.getByText('JSON Schema').click();
    await section.getByRole('button', { name: 'Copy schema' }).click();
    expect(JSON.parse(await clipboard())).toEqual(first.schema);
  }, 60_000);

  it("a link narrowed to one agent shows only that agent's endpoints and deliveries", async () => {
    const mine = await portal.api.call('POST', '/v1/endpoints', {
      key: portal.api.adminKey,
      json: {
        organization_id: ORG,
        agent_id: 'agent-2',
        url: portal.api.receiver.url('/agent-2'),
        event_types: ['*'],
      },
    });
    expect(mine.status).toBe(201);
    const narrowed = await portal.page();
    await narrowed.goto(await portal.link(ORG, 'agent-2'));
    await narrowed.getByRole('link', { name: portal.api.receiver.url('/agent-2') }).waitFor();
    expect(await narrowed.locator('tbody tr').count()).toBe(1);
    await narrowed.getByRole('link', { name: 'Add endpoint' }).click();
    const agent = narrowed.getByLabel(/^Agent id/);
    await expect(agent.inputValue()).resolves.toBe('agent-2');
    await expect(agent.getAttribute('readonly')).resolves.not.toBeNull();
    await narrowed.getByRole('link', { name: 'Delivery log' }).click();
    await narrowed.getByText('No deliveries match these filters.').waitFor();
    await narrowed.goto(`${portal.api.api.url}/portal/#/endpoints/${one}`);
    await narrowed
      .getByRole('alert')
      .getByText(/Not found/)
      .waitFor();
    await narrowed.close();
  }, 60_000);

  it('loaded nothing from another origin and logged no error', () => {
    expectQuietWatch(portal.watch);
  });
});
