import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

/** One encryption key: an id (stored with each ciphertext) and 32 bytes. */
export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * Encrypts endpoint secrets at rest with AES-256-GCM. The first key seals;
 * every key opens, so keys rotate without downtime: put the new key first,
 * run `letta-webhooks secrets reseal`, then drop the old key. With no keys,
 * secrets are stored as they are. Stored plaintext secrets are read as they
 * are too, so encryption can be switched on for an existing database.
 */
export class SecretCipher {
  readonly #keys: readonly SecretKey[];

  constructor(keys: readonly SecretKey[] = []) {
    this.#keys = keys;
  }

  /** True when secrets are sealed on write. */
  get enabled(): boolean {
    return this.#keys.length > 0;
  }

  /** The stored form of `secret`: sealed with the current key, or as is when encryption is off. */
  seal(secret: string): string {
    const current = this.#keys[0];
    if (!current) return secret;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    const sealed = Buffer.concat([
      iv,
      cipher.update(secret, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${PREFIX}${current.id}:${sealed.toString('base64')}`;
  }

  /**
   * The secret a stored value holds.
   *
   * @throws {Error} when it was sealed with a key not configured, or was tampered with.
   */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const rest = stored.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const id = rest.slice(0, colon);
    const key = this.#keys.find((k) => k.id === id);
    if (colon <= 0 || !key)
      throw new Error(`secret is sealed with key "${id}", which is not configured`);
    const data = Buffer.from(rest.slice(colon + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(data.length - 16));
    try {
      return Buffer.concat([
        decipher.update(data.subarray(12, data.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(`secret sealed with key "${id}" failed authentication`);
    }
  }

  /** The id of the key a stored value is sealed with; undefined for plaintext. */
  static keyIdOf(stored: string): string | undefined {
    if (!stored.startsWith(PREFIX)) return undefined;
    const rest = stored.slice(PREFIX.length);
    return rest.slice(0, Math.max(0, rest.indexOf(':')));
  }

  /** True when a key with this id is configured. */
  has(keyId: string): boolean {
    return this.#keys.some((k) => k.id === keyId);
  }

  /** True when a stored value is not sealed with the current key (plaintext, or an older key). */
  needsReseal(stored: string): boolean {
    const current = this.#keys[0];
    if (!current) return stored.startsWith(PREFIX);
    return !stored.startsWith(`${PREFIX}${current.id}:`);
  }
}
