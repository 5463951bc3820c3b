/** Why a webhook failed verification. */
export const VERIFICATION_FAILURES = {
  MISSING_HEADER: 'a required webhook header is missing',
  INVALID_TIMESTAMP: 'the timestamp header is not a number of seconds',
  TIMESTAMP_TOO_OLD: 'the timestamp is older than the tolerance',
  TIMESTAMP_TOO_NEW: 'the timestamp is further in the future than the tolerance',
  NO_MATCHING_SIGNATURE: 'no signature matches any of the secrets',
  INVALID_BODY: 'the body is not a valid webhook envelope',
  NO_SECRETS: 'no secret was given to verify with',
  INVALID_SECRET:
    'a secret is not a string of base64 (optionally after "whsec_") of at least 24 bytes',
} as const;

/** One of the reasons in {@link VERIFICATION_FAILURES}. */
export type VerificationFailure = keyof typeof VERIFICATION_FAILURES;

/** Thrown by `verifyWebhook` when a request must be rejected; `reason` says why. */
export class WebhookVerificationError extends Error {
  readonly reason: VerificationFailure;

  constructor(reason: VerificationFailure, detail?: string) {
    super(detail ? `${VERIFICATION_FAILURES[reason]}: ${detail}` : VERIFICATION_FAILURES[reason]);
    this.name = 'WebhookVerificationError';
    this.reason = reason;
  }
}
