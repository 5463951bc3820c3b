import { createHmac, timingSafeEqual } from 'node:crypto';
import { envelopeSchema, type WebhookEnvelope } from '../events/envelope.js';
import { decodeSecret } from './secret.js';
import { WebhookVerificationError } from './webhook-verification-error.js';

/** Request headers as Node, Express, Fastify or the Fetch API expose them. */
export type WebhookHeaders =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options for {@link verifyWebhook}. */
export interface VerifyOptions {
  /** How far the timestamp may be from now, either way, in seconds. Default 300. */
  readonly toleranceSeconds?: number;
  /** The current time in ms, for tests. Default `Date.now()`. */
  readonly now?: number;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get: (n: string) => string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value)
    ? (value as readonly string[]).join(' ')
    : (value as string | undefined);
}

/**
 * Verifies a webhook and returns its parsed envelope. Reads the Standard
 * Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
 * falling back to `X-Letta-Event-Id`, `X-Letta-Timestamp`, `X-Letta-Signature`.
 * Pass the raw body bytes exactly as received, and every secret currently
 * valid for the endpoint (during a rotation, the old and the new one).
 *
 * A secret that is not a string, is empty or blank, is not base64, or decodes
 * to fewer than 24 bytes is refused (`INVALID_SECRET`) before anything is
 * compared: an empty key would accept any signature made with an empty key.
 *
 * @throws {WebhookVerificationError} with a `reason` for each kind of failure.
 */
export function verifyWebhook(
  rawBody: string | Buffer,
  headers: WebhookHeaders,
  secrets: string | readonly string[],
  options: VerifyOptions = {},
): WebhookEnvelope {
  const keys = verificationKeys(secrets);

  const standard = header(headers, 'webhook-signature') !== undefined;
  const id = header(headers, standard ? 'webhook-id' : 'x-letta-event-id');
  const timestampText = header(headers, standard ? 'webhook-timestamp' : 'x-letta-timestamp');
  const signatureText = header(headers, standard ? 'webhook-signature' : 'x-letta-signature');
  if (!id || !timestampText || !signatureText) {
    throw new WebhookVerificationError(
      'MISSING_HEADER',
      'need webhook-id, webhook-timestamp and webhook-signature',
    );
  }

  if (!/^\d{1,12}$/.test(timestampText)) throw new WebhookVerificationError('INVALID_TIMESTAMP');
  const timestamp = Number(timestampText);
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (timestamp < nowSeconds - tolerance) throw new WebhookVerificationError('TIMESTAMP_TOO_OLD');
  if (timestamp > nowSeconds + tolerance) throw new WebhookVerificationError('TIMESTAMP_TOO_NEW');

  const candidates = signatureText
    .split(' ')
    .map((part) => parseSignature(part, standard))
    .filter((mac): mac is Buffer => mac !== undefined);

  const signed = `${id}.${timestampText}.`;
  const matched = keys.some((key) => {
    const expected = createHmac('sha256', key).update(signed).update(rawBody).digest();
    // Check every candidate (no early exit) so timing does not reveal which one matched.
    let found = false;
    for (const mac of candidates) {
      if (mac.length === expected.length && timingSafeEqual(mac, expected)) found = true;
    }
    return found;
  });
  if (!matched) throw new WebhookVerificationError('NO_MATCHING_SIGNATURE');

  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('INVALID_BODY', 'not JSON');
  }
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success)
    throw new WebhookVerificationError('INVALID_BODY', envelope.error.issues[0]?.message);
  if (envelope.data.event_id !== id)
    throw new WebhookVerificationError('INVALID_BODY', 'event_id differs from the id header');
  return envelope.data;
}

// Every secret must be usable; one bad one means the receiver is misconfigured.
function verificationKeys(secrets: unknown): Buffer[] {
  const list: readonly unknown[] = Array.isArray(secrets) ? secrets : [secrets];
  if (list.length === 0) throw new WebhookVerificationError('NO_SECRETS');
  return list.map((secret, index) => {
    const decoded = decodeSecret(secret);
    if ('key' in decoded) return decoded.key;
    const which = list.length === 1 ? 'the secret' : `secret ${index + 1} of ${list.length}`;
    throw new WebhookVerificationError('INVALID_SECRET', `${which} ${decoded.refusal}`);
  });
}

function parseSignature(part: string, standard: boolean): Buffer | undefined {
  if (standard) {
    return part.startsWith('v1,') ? Buffer.from(part.slice(3), 'base64') : undefined;
  }
  return part.startsWith('sha256=') && /^[0-9a-f]{64}$/i.test(part.slice(7))
    ? Buffer.from(part.slice(7), 'hex')
    : undefined;
}
