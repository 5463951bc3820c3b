import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SecretCipher, generateSecret, loadSettings } from '../src/index.js';
import { thrown } from '../../../test/support/errors.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('SecretCipher', () => {
  it('seals with AES-256-GCM under the first key and opens with any configured key', () => {
    const secret = generateSecret();
    const sealed = new SecretCipher([k1]).seal(secret);
    expect(sealed).toMatch(/^enc:v1:k1:/);
    expect(sealed).not.toContain(secret.slice(6));
    expect(new SecretCipher([k1]).seal(secret)).not.toBe(sealed);
    expect(new SecretCipher([k2, k1]).open(sealed)).toBe(secret);
    expect(new SecretCipher([k2, k1]).needsReseal(sealed)).toBe(true);
    expect(new SecretCipher([k1]).needsReseal(sealed)).toBe(false);
  });

  it('refuses an unknown key or a tampered ciphertext, without echoing the secret', () => {
    const sealed = new SecretCipher([k1]).seal(generateSecret());
    expect(() => new SecretCipher([k2]).open(sealed)).toThrow(/key "k1", which is not configured/);
    const tampered = sealed.slice(0, -6) + (sealed.endsWith('AAAA==') ? 'BBBB==' : 'AAAA==');
    expect(() => new SecretCipher([k1]).open(tampered)).toThrow(/failed authentication/);
  });

  it('stores as is with no keys, and reads plaintext left from before encryption', () => {
    const secret = generateSecret();
    expect(new SecretCipher().seal(secret)).toBe(secret);
    expect(new SecretCipher([k1]).open(secret)).toBe(secret);
    expect(new SecretCipher([k1]).needsReseal(secret)).toBe(true);
  });

  it('reads keys from settings, refusing malformed ones without echoing them', () => {
    const key = randomBytes(32).toString('base64');
    expect(
      loadSettings({
        WEBHOOK_SECRET_ENCRYPTION_KEYS: `new:${key}, old:${key}`,
      }).secretEncryptionKeys.map((k) => k.id),
    ).toEqual(['new', 'old']);
    expect(() => loadSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toThrow(
      /WEBHOOK_SECRET_ENCRYPTION_KEYS/,
    );
    expect(() => loadSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: `a:${key},a:${key}` })).toThrow(
      /unique/,
    );
    expect(
      thrown(() => loadSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).message,
    ).not.toContain('c2hvcnQ');
  });
});
