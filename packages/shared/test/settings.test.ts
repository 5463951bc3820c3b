import { describe, expect, it } from '@jest/globals';
import { WebhookError, loadSettings } from '../src/index.js';
import { asWebhookError, thrown } from '../../../test/support/errors.js';

describe('settings', () => {
  it('has a default for every setting', () => {
    const settings = loadSettings({});
    expect(settings.requestTimeoutMs).toBe(5_000);
    expect(settings.maxPayloadBytes).toBe(256 * 1024);
    expect(settings.retry).toEqual({
      maxAttempts: 15,
      baseDelayMs: 10_000,
      maxDelayMs: 36_000_000,
      jitter: 0.2,
      retryAfterMaxMs: 3_600_000,
    });
    expect(settings.allowedCidrs).toEqual([]);
    expect(settings.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('reads overrides and treats empty variables as unset', () => {
    const settings = loadSettings({
      WEBHOOK_WORKER_CONCURRENCY: '4',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8, ::1/128',
      WEBHOOK_REQUEST_TIMEOUT_MS: '',
    });
    expect(settings.concurrency).toBe(4);
    expect(settings.allowedCidrs).toEqual(['127.0.0.0/8', '::1/128']);
    expect(settings.requestTimeoutMs).toBe(5_000);
  });

  it('fails with one readable line per bad variable', () => {
    let caught: unknown;
    try {
      loadSettings({
        WEBHOOK_WORKER_CONCURRENCY: 'many',
        REDIS_URL: 'http://nope',
        WEBHOOK_ALLOWED_CIDRS: '10.0.0.0/99',
        WEBHOOK_BACKOFF_JITTER: '2',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WebhookError);
    const error = asWebhookError(caught);
    expect(error.code).toBe('INVALID_SETTINGS');
    expect(error.issues.map((issue) => issue.field).sort()).toEqual([
      'REDIS_URL',
      'WEBHOOK_ALLOWED_CIDRS.0',
      'WEBHOOK_BACKOFF_JITTER',
      'WEBHOOK_WORKER_CONCURRENCY',
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid settings:');
    expect(lines).toHaveLength(5);
  });

  it('never echoes a value, so a password in a URL cannot leak', () => {
    const error = thrown(() => loadSettings({ DATABASE_URL: 'mysql://user:hunter2@db/x' }));
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses blank and non-decimal numbers instead of coercing them, one line per variable', () => {
    let caught: unknown;
    try {
      loadSettings({
        WEBHOOK_WORKER_CONCURRENCY: ' ',
        WEBHOOK_MAX_ATTEMPTS: '0x10',
        WEBHOOK_REQUEST_TIMEOUT_MS: '1e3',
        WEBHOOK_BACKOFF_JITTER: ' ',
        WEBHOOK_RETENTION_DAYS: '-1',
        WEBHOOK_ADMIN_PORT: '0x10',
        DATABASE_POOL_SIZE: '+5',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WebhookError);
    const lines = asWebhookError(caught).message.split('\n');
    expect(lines[0]).toBe('invalid settings:');
    expect(lines.slice(1).map((line) => line.trim().split(':')[0])).toEqual([
      'DATABASE_POOL_SIZE',
      'WEBHOOK_WORKER_CONCURRENCY',
      'WEBHOOK_MAX_ATTEMPTS',
      'WEBHOOK_BACKOFF_JITTER',
      'WEBHOOK_REQUEST_TIMEOUT_MS',
      'WEBHOOK_RETENTION_DAYS',
      'WEBHOOK_ADMIN_PORT',
    ]);
    expect(lines[1]).toMatch(/must be a whole decimal number/);
    // Plain decimals still read as before.
    const settings = loadSettings({ WEBHOOK_BACKOFF_JITTER: '0.5', WEBHOOK_ADMIN_PORT: '0' });
    expect(settings.retry.jitter).toBe(0.5);
    expect(settings.admin).toEqual({ port: 0, host: '127.0.0.1' });
  });

  it('accepts an IP address or a host name as WEBHOOK_ADMIN_HOST, nothing else', () => {
    for (const host of ['0.0.0.0', '::', '::1', 'localhost', 'worker-1.internal', 'admin.example.'])
      expect(loadSettings({ WEBHOOK_ADMIN_HOST: host }).admin?.host).toBe(host);
    for (const host of ['nonsense!', ' ', 'a b', '-lead.example', '[::1]', 'http://x', 'a..b']) {
      expect(() => loadSettings({ WEBHOOK_ADMIN_HOST: host })).toThrow(
        /WEBHOOK_ADMIN_HOST: must be an IP address/,
      );
    }
  });

  it('refuses an API body limit below the payload limit: such an event could not be posted', () => {
    expect(() =>
      loadSettings({ WEBHOOK_MAX_PAYLOAD_BYTES: '65536', WEBHOOK_API_BODY_LIMIT_BYTES: '4096' }),
    ).toThrow(/WEBHOOK_API_BODY_LIMIT_BYTES: must be at least WEBHOOK_MAX_PAYLOAD_BYTES \(65536\)/);
    expect(
      loadSettings({ WEBHOOK_MAX_PAYLOAD_BYTES: '4096', WEBHOOK_API_BODY_LIMIT_BYTES: '4096' }).api
        .bodyLimitBytes,
    ).toBe(4096);
  });
});
