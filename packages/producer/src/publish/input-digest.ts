import { hash } from 'node:crypto';

/** What a caller asked to publish, the part that makes two publishes "the same event". */
export interface PublishInput {
  readonly organizationId: string;
  readonly agentId: string;
  readonly eventType: string;
  readonly data: unknown;
  /** The `occurredAt` the caller gave, or null when it was left to default to now. */
  readonly occurredAt: string | null;
  readonly callbackUrl: string | null;
}

/**
 * SHA-256 (hex) of a publish's input. A publish repeated with the same event
 * id and the same digest gets the first publish's answer; with another digest,
 * `CONFLICT`. A defaulted `occurredAt` is left out, so a retry made later
 * still counts as the same input. `data` is the validated data: its schema's
 * fields come out in the schema's order whatever order they were given in
 * (fields the schema does not list keep theirs).
 */
export function inputDigest(input: PublishInput): string {
  return hash(
    'sha256',
    JSON.stringify([
      input.organizationId,
      input.agentId,
      input.eventType,
      input.occurredAt,
      input.callbackUrl,
      input.data,
    ]),
    'hex',
  );
}
