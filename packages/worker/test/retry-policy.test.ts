import { describe, expect, it } from '@jest/globals';
import { loadSettings } from '@letta-webhooks/shared';
import {
  backoffDelay,
  classifyAttempt,
  minimumRetryWindowMs,
  parseRetryAfter,
  retryDelay,
} from '../src/index.js';
import type { HttpAttemptResult } from '../src/index.js';

const retry = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  jitter: 0,
  retryAfterMaxMs: 60_000,
};

describe('backoff schedule', () => {
  it('doubles from the base delay and caps each delay', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, retry))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });

  it('jitter only shortens a delay, by at most its fraction', () => {
    const jittery = { ...retry, jitter: 0.2 };
    expect(backoffDelay(3, jittery, () => 0)).toBe(4_000);
    expect(backoffDelay(3, jittery, () => 1)).toBe(3_200);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(3, jittery);
      expect(delay).toBeGreaterThanOrEqual(3_200);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
  });

  it('by default spans at least 24 hours even with the most jitter', () => {
    const defaults = loadSettings({}).retry;
    expect(minimumRetryWindowMs(defaults)).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(backoffDelay(40, defaults, () => 0)).toBe(defaults.maxDelayMs);
  });

  it('waits no less than Retry-After asks, up to the cap', () => {
    expect(retryDelay(1, retry, 30_000)).toBe(30_000);
    expect(retryDelay(1, retry, 500)).toBe(1_000);
    expect(retryDelay(1, retry, 3_600_000)).toBe(60_000);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 12:00:30 GMT', 30_000],
    ['Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    [undefined, undefined],
  ])('%j → %j ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe('outcome classification', () => {
  const base: HttpAttemptResult = { startedAt: new Date(), durationMs: 5, truncated: false };
  const withStatus = (statusCode: number, extra: Partial<HttpAttemptResult> = {}) => ({
    ...base,
    statusCode,
    ...extra,
  });

  it.each([200, 201, 204, 299])('%i succeeds', (status) => {
    expect(classifyAttempt(withStatus(status))).toMatchObject({
      outcome: 'succeeded',
      endpointGone: false,
    });
  });

  it('410 fails for good and disables the endpoint', () => {
    expect(classifyAttempt(withStatus(410))).toMatchObject({
      outcome: 'permanent',
      endpointGone: true,
    });
  });

  it.each([301, 302, 307, 308])('%i is retried, not followed', (status) => {
    expect(classifyAttempt(withStatus(status, { location: 'http://elsewhere/' }))).toMatchObject({
      outcome: 'retryable',
      errorKind: 'redirect',
    });
  });

  it.each([400, 401, 404, 409, 422, 429, 500, 502, 503, 504])('%i is retried', (status) => {
    expect(classifyAttempt(withStatus(status))).toMatchObject({
      outcome: 'retryable',
      errorKind: 'http_status',
    });
  });

  it('429 and 503 carry Retry-After; other statuses ignore it', () => {
    expect(classifyAttempt(withStatus(429, { retryAfter: '7' })).retryAfterMs).toBe(7_000);
    expect(classifyAttempt(withStatus(503, { retryAfter: '9' })).retryAfterMs).toBe(9_000);
    expect(classifyAttempt(withStatus(500, { retryAfter: '9' })).retryAfterMs).toBeUndefined();
  });

  it.each(['timeout', 'connection', 'dns'] as const)('%s errors are retried', (kind) => {
    expect(classifyAttempt({ ...base, error: { kind, message: kind } })).toMatchObject({
      outcome: 'retryable',
      errorKind: kind,
    });
  });

  it('a refused URL fails for good', () => {
    expect(
      classifyAttempt({ ...base, error: { kind: 'refused_url', message: 'loopback' } }),
    ).toMatchObject({
      outcome: 'permanent',
      endpointGone: false,
    });
  });
});
