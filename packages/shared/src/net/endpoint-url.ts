import { isIP } from 'node:net';
import { z } from 'zod';
import type { WebhookErrorCode } from '../errors.js';
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
 * The error code every URL refusal carries, whichever check refused it; set
 * as the zod issue's `params.code`, which `parseOrThrow` honours.
 */
export const URL_REFUSAL_CODE: WebhookErrorCode = 'INVALID_URL';
const params = { code: URL_REFUSAL_CODE };

/** Why a string is not an acceptable endpoint URL, or undefined; the normal form otherwise. */
function checkShape(value: string): { refusal: string } | { href: string } {
  if (value.length > MAX_URL_LENGTH)
    return { refusal: `must be at most ${MAX_URL_LENGTH} characters` };
  // The parser would silently drop tabs and newlines; refuse them (header injection attempts) instead.
  if (hasSpaceOrControl(value)) return { refusal: 'must not contain spaces or control characters' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { refusal: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { refusal: `scheme ${url.protocol} is not allowed; use http or https` };
  if (url.username !== '' || url.password !== '')
    return { refusal: 'must not contain credentials; authenticate with the signature' };
  if (url.hostname === '') return { refusal: 'must have a host' };
  if (url.href.length > MAX_URL_LENGTH)
    return { refusal: `must be at most ${MAX_URL_LENGTH} characters once normalized` };
  return { href: url.href };
}

/**
 * Endpoint URLs: absolute http(s), no credentials, no spaces or control
 * characters, at most 2048 characters; normalized by the WHATWG parser
 * (punycode host, percent-encoded path), and that normal form is what is
 * stored and called. Whether the host is a public address is checked
 * separately ({@link urlRefusal}), since it depends on settings. Every
 * refusal carries the code `INVALID_URL`.
 */
export const endpointUrlSchema = z
  .string()
  .superRefine((value, context) => {
    const shape = checkShape(value);
    if ('refusal' in shape) context.addIssue({ code: 'custom', message: shape.refusal, params });
  })
  .transform((value) => new URL(value).href);

/** True for the names RFC 6761 reserves for loopback: `localhost` and `*.localhost`, any case, trailing dot or not. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Why a URL may not be called (bad scheme, plain http when https is required,
 * private IP literal, a loopback name while loopback is not allow-listed), or
 * undefined. Other host names are vetted later, when the socket resolves them.
 */
export function urlRefusal(value: string, guard: AddressGuard): string | undefined {
  const shape = checkShape(value);
  if ('refusal' in shape) return shape.refusal;
  const url = new URL(shape.href);
  if (guard.httpsOnly && url.protocol !== 'https:')
    return 'must use https (WEBHOOK_HTTPS_ONLY is on)';
  // The WHATWG parser has already normalized IPv4 literals (0x7f.1, 2130706433 → 127.0.0.1).
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0) {
    return isLoopbackName(host) && !guard.allowsLoopback()
      ? `host ${host} is reserved for loopback (RFC 6761), which is not allowed`
      : undefined;
  }
  const refusal = guard.refusal(host);
  return refusal === undefined ? undefined : `address ${host} is not public (${refusal})`;
}
