import { randomBytes } from 'node:crypto';

/** Every portal link token starts with this (the part of the link after `#token=`). */
export const PORTAL_TOKEN_PREFIX = 'lwpt_';

/** Every portal session cookie's value starts with this. */
export const PORTAL_SESSION_PREFIX = 'lwps_';

// A prefix then base64url of 32 random bytes (43 characters, no padding).
const PATTERN = /^lwp[ts]_[A-Za-z0-9_-]{43}$/;

/** A new secret for a portal link (`lwpt_…`) or session cookie (`lwps_…`): 32 random bytes. */
export function generatePortalSecret(
  prefix: typeof PORTAL_TOKEN_PREFIX | typeof PORTAL_SESSION_PREFIX,
): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** True when `value` has the form of a portal secret with `prefix`. */
export function looksLikePortalSecret(value: string, prefix: string): boolean {
  return value.startsWith(prefix) && PATTERN.test(value);
}
