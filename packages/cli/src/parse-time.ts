const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `90s`, `30m`, `24h`, `7d`, `250ms` or a bare number of milliseconds; undefined if none of those. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1);
}

/** An ISO time, or a duration meaning that long ago (`24h` = a day ago); undefined if neither. */
export function parseSince(text: string, now: number = Date.now()): Date | undefined {
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(now - ago);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
