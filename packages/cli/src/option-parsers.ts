import { WebhookError } from '@letta-webhooks/shared';
import { parseDuration, parseSince } from './parse-time.js';

// Parsers for option values: commander calls them while it reads the command
// line, so each option arrives in its action already typed. A bad value is the
// same INVALID_INPUT error (exit 3) as any other invalid input.

/** An INVALID_INPUT error naming the option. */
export function badInput(field: string, message: string): WebhookError {
  return new WebhookError({ code: 'INVALID_INPUT', field, message: `${field}: ${message}` });
}

/** `a, b,,c` → `['a', 'b', 'c']`. */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** One `key=value` of a repeatable `--metadata`, added to those before it. */
export function keyValue(
  pair: string,
  previous: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const at = pair.indexOf('=');
  if (at <= 0) throw badInput('metadata', `"${pair}" is not key=value`);
  return { ...previous, [pair.slice(0, at)]: pair.slice(at + 1) };
}

/** `true` or `false`. */
export function bool(field: string): (value: string) => boolean {
  return (value) => {
    if (value === 'true' || value === 'false') return value === 'true';
    throw badInput(field, 'must be true or false');
  };
}

/** A whole number, digits only. */
export function int(field: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw badInput(field, 'must be a whole number');
    return Number(value);
  };
}

/** An ISO time or a duration ago (`24h`); both `--since` and `--until` are reported as `since`. */
export function since(value: string): Date {
  const date = parseSince(value);
  if (!date) throw badInput('since', 'must be an ISO time or a duration such as 24h');
  return date;
}

/** A duration such as `24h`, `30m` or `0`, in milliseconds. */
export function overlap(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw badInput('overlap', 'must be a duration such as 24h or 0');
  return ms;
}

/** A positive number of days (fractions allowed), for `cleanup --older-than`. */
export function days(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new WebhookError({
      code: 'INVALID_INPUT',
      field: 'olderThan',
      message: 'older-than: must be a positive number of days',
    });
  }
  return parsed;
}
