import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const SECRET_PREFIX = 'whsec_';

/**
 * Endpoint signing secrets: `whsec_` + base64 of 24–64 random bytes (32 when
 * generated here). The HMAC key is the decoded bytes.
 */
export const secretSchema = z.string().refine(
  (value) => {
    if (!value.startsWith(SECRET_PREFIX)) return false;
    const encoded = value.slice(SECRET_PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
    const length = Buffer.from(encoded, 'base64').length;
    return length >= 24 && length <= 64;
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
