import { describe, expect, it } from '@jest/globals';
import { AddressGuard, endpointUrlSchema, urlRefusal } from '../src/index.js';

describe('AddressGuard', () => {
  const guard = new AddressGuard();

  // Every notation of a non-public destination that Node's URL parser accepts.
  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
    ['http://[::127.0.0.1]/', 'ipv4Compatible'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['http://[fe80::1]/', 'linkLocal'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
    ['http://[fc00::1]/', 'uniqueLocal'],
    ['http://[fd12:3456::1]/', 'uniqueLocal'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://[2002:7f00:1::]/', '6to4'],
    ['http://[64:ff9b::7f00:1]/', 'rfc6052'],
    ['http://[64:ff9b:1::a00:1]/', 'rfc6052'],
    ['http://[::ffff:0:7f00:1]/', 'rfc6145'],
    ['http://[2001::1]/', 'teredo'],
    ['http://192.0.2.1/', 'reserved'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://[2001:db8::1]/', 'reserved'],
  ])('refuses %s (%s)', (url, range) => {
    expect(urlRefusal(url, guard)).toMatch(new RegExp(`not public \\(${range}\\)`));
  });

  it.each([
    'http://93.184.216.34/',
    'https://[2606:4700:4700::1111]/',
    'http://[::ffff:93.184.216.34]/',
    'https://example.com/hook',
  ])('allows %s', (url) => {
    expect(urlRefusal(url, guard)).toBeUndefined();
  });

  it('exempts allow-listed CIDRs, and only those', () => {
    const local = new AddressGuard(['127.0.0.0/8', '::1']);
    expect(local.refusal('127.0.0.1')).toBeUndefined();
    expect(local.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(local.refusal('::1')).toBeUndefined();
    expect(local.refusal('10.0.0.1')).toBe('private');
  });

  it('requires https when httpsOnly is set', () => {
    const strict = new AddressGuard([], { httpsOnly: true });
    expect(urlRefusal('http://example.com/', strict)).toMatch(/must use https/);
    expect(urlRefusal('https://example.com/', strict)).toBeUndefined();
  });
});

describe('endpoint URLs', () => {
  it.each([
    ['ftp://example.com/', /scheme ftp/],
    ['javascript:alert(1)', /scheme javascript/],
    ['file:///etc/passwd', /scheme file/],
    ['not-a-url', /absolute/],
    ['/relative/path', /absolute/],
    ['https://user:pw@example.com/', /credentials/],
    ['https://example.com/a b', /spaces or control/],
    ['https://example.com/\r\nX-Injected: 1', /spaces or control/],
    ['https://example.com/\u0000', /spaces or control/],
    ['https://exa\tmple.com/', /spaces or control/],
    [`https://example.com/${'a'.repeat(2100)}`, /at most 2048/],
  ])('refuses %j', (url, reason) => {
    expect(urlRefusal(url, new AddressGuard())).toMatch(reason);
  });

  it('normalizes unicode hosts to punycode and paths to percent-encoding', () => {
    expect(endpointUrlSchema.parse('https://bücher.example/ä?q=ü')).toBe(
      'https://xn--bcher-kva.example/%C3%A4?q=%C3%BC',
    );
    expect(endpointUrlSchema.parse('HTTPS://EXAMPLE.com:443/x')).toBe('https://example.com/x');
  });
});
