import { describe, expect, it } from '@jest/globals';
import { AddressGuard, urlRefusal } from '../src/index.js';

describe('AddressGuard', () => {
  const guard = new AddressGuard();

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fc00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
  ])('refuses %s', (ip) => {
    expect(guard.refusal(ip)).toBeDefined();
  });

  it.each(['93.184.216.34', '2606:4700:4700::1111', '::ffff:93.184.216.34'])('allows %s', (ip) => {
    expect(guard.refusal(ip)).toBeUndefined();
  });

  it('exempts allow-listed CIDRs', () => {
    const local = new AddressGuard(['127.0.0.0/8', '::1']);
    expect(local.refusal('127.0.0.1')).toBeUndefined();
    expect(local.refusal('::1')).toBeUndefined();
    expect(local.refusal('10.0.0.1')).toBe('private');
  });

  it('refuses non-http URLs and private IP literals in any notation the URL parser accepts', () => {
    expect(urlRefusal('ftp://example.com/', guard)).toMatch(/scheme/);
    expect(urlRefusal('not a url', guard)).toMatch(/absolute/);
    expect(urlRefusal('https://user:pw@example.com/', guard)).toMatch(/credentials/);
    expect(urlRefusal('http://0x7f.1/', guard)).toMatch(/127\.0\.0\.1.*loopback/);
    expect(urlRefusal('http://2130706433/', guard)).toMatch(/loopback/);
    expect(urlRefusal('http://[::ffff:10.0.0.1]/', guard)).toMatch(/private/);
    expect(urlRefusal('https://example.com/hook', guard)).toBeUndefined();
  });
});
