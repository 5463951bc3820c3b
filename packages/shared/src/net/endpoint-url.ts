import { isIP } from 'node:net';
import { z } from 'zod';
import type { AddressGuard } from './address-guard.js';

function hasSpaceOrControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/** Longest endpoint URL accepted. */
export const MAX_URL_LENGTH = 2048;

/**
 * Endpoint URLs: absolute http(s), no credentials, no spaces or control
 * characters, at most 2048 characters; normalized by the WHATWG parser
 * (punycode host, percent-encoded path), and that normal form is what is
 * stored and called. Whether the host is a public address is checked
 * separately ({@link urlRefusal}), since it depends on settings.
 */
export const endpointUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  // The parser would silently drop tabs and newlines; refuse them (header injection attempts) instead.
  .refine((value) => !hasSpaceOrControl(value), 'must not contain spaces or control characters')
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
    } else if (url.href.length > MAX_URL_LENGTH) {
      context.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_URL_LENGTH} characters once normalized`,
      });
    }
  })
  .transform((value) => new URL(value).href);

/**
 * Why a URL may not be called (bad scheme, plain http when https is required,
 * private IP literal), or undefined. Host names are vetted later, when the
 * socket resolves them.
 */
export function urlRefusal(value: string, guard: AddressGuard): string | undefined {
  const parsed = endpointUrlSchema.safeParse(value);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid URL';
  const url = new URL(parsed.data);
  if (guard.httpsOnly && url.protocol !== 'https:')
    return 'must use https (WEBHOOK_HTTPS_ONLY is on)';
  // The WHATWG parser has already normalized IPv4 literals (0x7f.1, 2130706433 → 127.0.0.1).
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0) return undefined;
  const refusal = guard.refusal(host);
  return refusal === undefined ? undefined : `address ${host} is not public (${refusal})`;
}
