/** Where command output goes, and whether as JSON (`--json`). */
export interface Output {
  readonly json: boolean;
  write(text: string): void;
}

/** Writes `value` as indented JSON under `--json`, else the text `text()` makes of it. */
export function show(out: Output, value: unknown, text: () => string): void {
  out.write(out.json ? JSON.stringify(value, null, 2) : text());
}
