import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { parseCidr, withTimeout } from '@letta-webhooks/shared';

describe('withTimeout', () => {
  it('gives the value when the promise settles in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000)).resolves.toEqual({
      timedOut: false,
      value: 7,
    });
  });

  it('says timedOut when the timer wins, and leaves no timer behind (the leak check fails otherwise)', async () => {
    const slow = sleep(200).then(() => 'late');
    await expect(withTimeout(slow, 20)).resolves.toEqual({ timedOut: true });
    await slow;
  });

  it('passes a rejection through', async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom');
  });
});

describe('parseCidr', () => {
  it('reads networks and bare addresses of both families', () => {
    expect(parseCidr('10.0.0.0/8')?.map(String)).toEqual(['10.0.0.0', '8']);
    expect(parseCidr('::1')?.map(String)).toEqual(['::1', '128']);
    expect(parseCidr('192.0.2.7')?.map(String)).toEqual(['192.0.2.7', '32']);
  });

  it('refuses what is not an address or CIDR, including the notations nobody means', () => {
    for (const text of [
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/8/1',
      '0x7f.1',
      '2130706433',
      'example.com',
      '',
    ]) {
      expect(parseCidr(text)).toBeUndefined();
    }
  });
});
