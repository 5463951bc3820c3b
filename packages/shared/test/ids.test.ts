import { describe, expect, it } from '@jest/globals';
import { idRandomBytes, newId } from '../src/index.js';

describe('ids', () => {
  it('newId: prefix, 26 base32 characters, time-ordered, distinct across many refills of the random pool', () => {
    const before = newId('evt', 1_000);
    const ids = Array.from({ length: 5_000 }, () => newId('evt', 2_000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(id > before).toBe(true);
    }
  });

  it('idRandomBytes: hands out fresh bytes, never the same stretch twice', () => {
    const seen = new Set<string>();
    // 1,000 draws of 9 bytes span three 4 KiB refills.
    for (let i = 0; i < 1_000; i++) seen.add(idRandomBytes(9).toString('hex'));
    expect(seen.size).toBe(1_000);
    expect(idRandomBytes(16)).toHaveLength(16);
  });
});
