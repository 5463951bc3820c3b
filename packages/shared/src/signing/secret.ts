import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Fewest key bytes a secret may decode to: shorter keys are refused, for signing and verifying. */
export const MIN_SECRET_BYTES = 24;
/** Most key bytes an endpoint secret may decode to. */
export const MAX_SECRET_BYTES = 64;

/**
 * The HMAC key a secret holds, or why it holds none: not a string, empty or
 * blank, not base64, or shorter than {@link MIN_SECRET_BYTES} once decoded.
 * The `whsec_` prefix is optional here (Standard Webhooks libraries accept
 * both). The reason never contains the value.
 */
export function decodeSecret(secret: unknown): { key: Buffer } | { refusal: string } {
  if (typeof secret !== 'string')
    return { refusal: `is ${secret === null ? 'null' : typeof secret}, not a string` };
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.trim() === '') return { refusal: 'is empty' };
  if (!BASE64.test(encoded)) return { refusal: 'is not base64 (optionally after "whsec_")' };
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES)
    return { refusal: `decodes to ${key.length} bytes; at least ${MIN_SECRET_BYTES} are required` };
  return { key };
}

/**
 * Endpoint signing secrets: `whsec_` + base64 of 24–64 random bytes (32 when
 * generated here). The HMAC key is the decoded bytes.
 */
export const secretSchema = z.string().refine(
  (value) => {
    if (!value.startsWith(SECRET_PREFIX)) return false;
    const decoded = decodeSecret(value);
    return 'key' in decoded && decoded.key.length <= MAX_SECRET_BYTES;
  },
  { error: 'must be "whsec_" followed by base64 of 24 to 64 bytes' },
);

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key of a `whsec_…` secret (the decoded bytes). */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}
