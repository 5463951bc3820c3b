import { afterAll, beforeAll, expect } from '@jest/globals';
import type { SettingsEnv } from '@letta-webhooks/shared';
import type { Page } from 'playwright-core';
import type { Responder } from '../../../../test/support/receiver.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import {
  ARTIFACTS,
  axeSource,
  axeViolations,
  startBrowser,
  type AxeViolation,
  type Browser,
} from './browser.js';

/**
 * Markup that would run if anything rendered data as HTML; every place it
 * could run sets a flag `expectNothingExecuted` reads.
 */
export const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

/**
 * Settings for the browser tests' API and worker: a loopback receiver that
 * answers at once may still wait seconds for a CPU on a loaded CI machine,
 * and a test that expects a success must not see a timeout instead.
 */
export const PATIENT_DELIVERY = {
  WEBHOOK_REQUEST_TIMEOUT_MS: '30000',
  WEBHOOK_CONNECT_TIMEOUT_MS: '10000',
  WEBHOOK_API_TEST_WAIT_MS: '25000',
} as const;

/** What the browser did besides what the tests asked: requests to other origins, errors. */
export interface PageWatch {
  readonly foreignRequests: string[];
  readonly pageErrors: string[];
}

/** A fresh watch. */
export function pageWatch(): PageWatch {
  return { foreignRequests: [], pageErrors: [] };
}

/** A one-time portal link for `organizationId` (and `agentId`), minted with the admin key. */
export async function portalLink(
  f: ApiFixture,
  organizationId: string,
  agentId?: string,
): Promise<string> {
  const minted = await f.call('POST', '/v1/portal-sessions', {
    key: f.adminKey,
    json: { organization_id: organizationId, ...(agentId ? { agent_id: agentId } : {}) },
  });
  expect(minted.status).toBe(201);
  return minted.body.url as string;
}

/** A new page whose foreign requests and errors land in `watch`. */
export async function watchedPage(
  f: ApiFixture,
  browser: Browser,
  watch: PageWatch,
): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  const origin = new URL(f.api.url).origin;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin && url.protocol !== 'data:')
      watch.foreignRequests.push(request.url());
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') watch.pageErrors.push(message.text());
  });
  return page;
}

/** The watch saw no foreign request and no error (the portal's 401/404 answers are not errors). */
export function expectQuietWatch(watch: PageWatch): void {
  expect(watch.foreignRequests).toEqual([]);
  expect(watch.pageErrors.filter((text) => !/status of 40[14]/.test(text))).toEqual([]);
}

/** A full-page screenshot, and with `top` also the first screenful (the docs use those). */
export async function shot(page: Page, name: string, top = false): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
  if (!top) return;
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({
    path: new URL(`${name}-top.png`, ARTIFACTS).pathname,
    clip: { x: 0, y: 0, width: 1280, height: 760 },
  });
}

/** axe-core finds no WCAG 2 A/AA violation on the page as it is now. */
export async function expectAccessible(page: Page, axe: string, name: string): Promise<void> {
  const violations: AxeViolation[] = await axeViolations(page, axe);
  expect({ page: name, violations }).toEqual({ page: name, violations: [] });
}

/** Nothing in the page ran the hostile markup, and none of it became elements. */
export async function expectNothingExecuted(page: Page): Promise<void> {
  // Expressions run in the page (this file is typed for Node, not the DOM).
  const state = await page.evaluate(`({
    pwned: window.__pwned ?? null,
    images: document.querySelectorAll('main img').length,
    scripts: document.querySelectorAll('body script').length,
  })`);
  expect(state).toEqual({ pwned: null, images: 0, scripts: 0 });
}

/** The text of the element that has the focus. */
export function focusedText(page: Page): Promise<string> {
  return page.evaluate<string>(`document.activeElement?.textContent?.trim() ?? ''`);
}

/** What a portal test file shares: an API that delivers, a browser, axe, and one watch. */
export interface Portal {
  /** The API, its worker and its receiver. */
  readonly api: ApiFixture;
  readonly browser: Browser;
  /** What every page `page()` opened did besides what the tests asked. */
  readonly watch: PageWatch;
  /** A new page reporting to `watch`. */
  readonly page: () => Promise<Page>;
  /** A one-time portal link for `organizationId` (and `agentId`). */
  readonly link: (organizationId: string, agentId?: string) => Promise<string>;
  /** axe-core finds no WCAG 2 A/AA violation on `page` as it is now. */
  readonly expectAccessible: (page: Page, name: string) => Promise<void>;
}

/**
 * Registers the hooks of one portal test file: before it, an API over a fresh
 * database with {@link PATIENT_DELIVERY} and `overrides`, delivering to a
 * receiver that answers with `reply`, and a browser; after it, both closed.
 */
export function usePortal(overrides: SettingsEnv, reply: Responder): Portal {
  let api: ApiFixture | undefined;
  let browser: Browser | undefined;
  let axe: string | undefined;
  const missing = (what: string): never => {
    throw new Error(`the portal's ${what} is not there: use it inside a test or hook`);
  };
  const portal: Portal = {
    get api() {
      return api ?? missing('API');
    },
    get browser() {
      return browser ?? missing('browser');
    },
    watch: pageWatch(),
    page: () => watchedPage(portal.api, portal.browser, portal.watch),
    link: (organizationId, agentId) => portalLink(portal.api, organizationId, agentId),
    expectAccessible: (page, name) => expectAccessible(page, axe ?? missing('axe'), name),
  };
  beforeAll(async () => {
    api = await startApiFixture({ ...PATIENT_DELIVERY, ...overrides }, { deliver: true });
    api.receiver.respond(reply);
    browser = await startBrowser();
    axe = await axeSource();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });
  return portal;
}
