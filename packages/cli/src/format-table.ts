/** One cell as text: dates as ISO, objects as JSON, null as empty. */
function cell(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Rows as an aligned text table with a header line; `(none)` when empty. */
export function formatTable(rows: readonly object[], columns?: readonly string[]): string {
  const first = rows[0];
  if (first === undefined) return '(none)';
  const names = columns ?? Object.keys(first);
  const text = rows.map((row) =>
    names.map((name) => cell((row as Record<string, unknown>)[name]).replaceAll('\n', ' ')),
  );
  const widths = names.map((name, i) =>
    Math.max(name.length, ...text.map((r) => (r[i] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(names), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}
