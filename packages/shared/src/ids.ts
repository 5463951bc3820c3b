import { hash, randomBytes } from 'node:crypto';

// Crockford base32: sortable, case-insensitive, no ambiguous letters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET.charAt((buffer >>> (bits - 5)) & 31);
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

// Random bytes for ids, drawn 4 KiB at a time: one CSPRNG call costs about as
// much as hashing a kilobyte (~7 µs measured on the CI machine kind), so an
// id each was a visible share of a publish. For ids only — keys and secrets
// take their bytes straight from randomBytes.
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * `size` (at most 4,096) random bytes for an id, from a pool refilled by the
 * CSPRNG. The buffer is only valid until the next call: copy or encode it at once.
 */
export function idRandomBytes(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.subarray(poolOffset - size, poolOffset);
}

/** The prefixes of the ids this system mints. */
export type IdPrefix = 'evt' | 'ep' | 'dlv' | 'key' | 'ps';

/**
 * A new time-ordered id (`evt_01J…`): 48 bits of milliseconds then 80 random
 * bits, so ids sort by creation time and make stable pagination cursors.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  let time = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes.set(idRandomBytes(10), 6);
  return `${prefix}_${encodeBase32(bytes).slice(0, 26)}`;
}

/**
 * The delivery id of (event, endpoint). Deterministic, so publishing the same
 * event id twice maps to the same BullMQ job id and the same Postgres row.
 */
export function deliveryIdFor(eventId: string, endpointId: string): string {
  // One-shot hash of the same bytes as hashing the three pieces in turn: the same ids, at half the cost.
  const digest = hash('sha256', `${eventId}\0${endpointId}`, 'buffer');
  return `dlv_${encodeBase32(digest).slice(0, 26)}`;
}
