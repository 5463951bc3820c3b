import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every API key starts with this. */
export const API_KEY_PREFIX = 'lwk_';

// lwk_ then base64url of 32 random bytes (43 characters, no padding).
const API_KEY_PATTERN = /^lwk_[A-Za-z0-9_-]{43}$/;

/** Characters of a key kept in clear (in listings) so people can tell keys apart. */
export const DISPLAY_PREFIX_LENGTH = 12;

/** A new API key: `lwk_` + base64url of 32 random bytes. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** True when `value` has the form of an API key (it may still be unknown or revoked). */
export function looksLikeApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

/**
 * SHA-256 of a key: what is stored and looked up. A fast hash is enough — the
 * key carries 256 random bits, so there is nothing to brute-force offline.
 */
export function hashApiKey(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/** Compares two key hashes in constant time. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
