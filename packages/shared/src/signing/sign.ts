import { createHmac } from 'node:crypto';
import { secretKey } from './secret.js';

/** What one attempt signs: the message id, this attempt's timestamp and the body bytes. */
export interface SignInput {
  /** The `webhook-id`: the event id, stable across attempts. */
  readonly messageId: string;
  /** Unix seconds of this attempt. */
  readonly timestamp: number;
  readonly body: string | Buffer;
  /** Every active secret; one signature is produced per secret. */
  readonly secrets: readonly string[];
}

/** Values of the two signature headers, one signature per secret, space-separated. */
export interface Signatures {
  /** `X-Letta-Signature`: `sha256=<hex>` … */
  readonly letta: string;
  /** `webhook-signature` (Standard Webhooks): `v1,<base64>` … */
  readonly standard: string;
}

/**
 * Signs `{messageId}.{timestamp}.{body}` with HMAC-SHA256 once per secret and
 * renders each MAC in both header encodings.
 */
export function signWebhook(input: SignInput): Signatures {
  const prefix = `${input.messageId}.${input.timestamp}.`;
  const macs = input.secrets.map((secret) =>
    createHmac('sha256', secretKey(secret)).update(prefix).update(input.body).digest(),
  );
  return {
    letta: macs.map((mac) => `sha256=${mac.toString('hex')}`).join(' '),
    standard: macs.map((mac) => `v1,${mac.toString('base64')}`).join(' '),
  };
}
