import { isIP } from 'node:net';
import { z } from 'zod';
import type { AddressGuard } from './address-guard.js';

/** Longest endpoint URL accepted. */
export const MAX_URL_LENGTH = 2048;

/**
 * Endpoint URLs: absolute http(s), no credentials, at most 2048 characters.
 * Whether the host is a public address is checked separately
 * ({@link urlRefusal}), since it depends on settings.
 */
export const endpointUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .superRefine((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      context.addIssue({
        code: 'custom',
        message: `scheme ${url.protocol} is not allowed; use http or https`,
      });
    } else if (url.username !== '' || url.password !== '') {
      context.addIssue({
        code: 'custom',
        message: 'must not contain credentials; authenticate with the signature',
      });
    } else if (url.hostname === '') {
      context.addIssue({ code: 'custom', message: 'must have a host' });
    }
  });

/**
 * Why a URL may not be called (bad scheme, private IP literal), or undefined.
 * Host names are vetted later, when the socket resolves them.
 */
export function urlRefusal(value: string, guard: AddressGuard): string | undefined {
  const parsed = endpointUrlSchema.safeParse(value);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid URL';
  // The WHATWG parser has already normalized IPv4 literals (0x7f.1 → 127.0.0.1).
  const host = new URL(value).hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0) return undefined;
  const refusal = guard.refusal(host);
  return refusal === undefined ? undefined : `address ${host} is not public (${refusal})`;
}
