import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { settingsSchema } from '@letta-webhooks/shared';
import {
  SETTINGS_REFERENCE_PATH,
  renderSettingsReference,
  settingRows,
} from '../../scripts/settings-reference.js';

describe('docs/settings.md', () => {
  it('is what the generator writes from the settings schema now (else run `pnpm docs:settings`)', () => {
    const written = readFileSync(SETTINGS_REFERENCE_PATH, 'utf8');
    const expected = renderSettingsReference();
    if (written !== expected) {
      throw new Error(
        'docs/settings.md is stale: run `npx -y pnpm@12.4.2 docs:settings` and commit the result',
      );
    }
    expect(written).toBe(expected);
  });

  it('lists every variable the schema reads, with the default the schema applies', () => {
    const written = readFileSync(SETTINGS_REFERENCE_PATH, 'utf8');
    const rows = settingRows();
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) expect(written).toContain(`**\`${row.name}\`**`);
    // The defaults shown are the ones parsing an empty environment yields.
    const defaults = settingsSchema.parse({});
    const shown = (name: string) => rows.find((row) => row.name === name)?.defaultText;
    expect(shown('WEBHOOK_MAX_ATTEMPTS')).toBe(`\`${defaults.retry.maxAttempts}\``);
    expect(shown('WEBHOOK_BACKOFF_MAX_MS')).toBe(`\`${defaults.retry.maxDelayMs}\` (10 h)`);
    expect(shown('WEBHOOK_MAX_PAYLOAD_BYTES')).toBe(`\`${defaults.maxPayloadBytes}\` (256 KiB)`);
    expect(shown('WEBHOOK_DISABLE_AFTER_FAILING_MS')).toBe(
      `\`${defaults.disableAfterFailingMs}\` (5 days)`,
    );
    expect(shown('WEBHOOK_ALLOWED_CIDRS')).toBe('(none)');
    expect(shown('WEBHOOK_QUEUE_PREFIX')).toBe(`\`${defaults.queuePrefix}\``);
  });
});
