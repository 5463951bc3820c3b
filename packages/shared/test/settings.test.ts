import { describe, expect, it } from '@jest/globals';
import { WebhookError, loadSettings } from '../src/index.js';

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
    const error = caught as WebhookError;
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
    try {
      loadSettings({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as Error).message).toContain('DATABASE_URL');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
