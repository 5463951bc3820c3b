export { WEBHOOK_ERROR_CODES, WebhookError, isWebhookError } from './errors.js';
export type { WebhookErrorCode, WebhookErrorIssue, WebhookErrorOptions } from './errors.js';
export { parseOrThrow, toIssues } from './validation.js';
export { newId, deliveryIdFor, idRandomBytes } from './ids.js';
export { withTimeout } from './with-timeout.js';
export type { TimeoutResult } from './with-timeout.js';
export { createLogger } from './logging/create-logger.js';
export type { ServiceName } from './logging/create-logger.js';
export type { IdPrefix } from './ids.js';

export {
  EVENT_TYPES,
  eventDataSchemas,
  eventTypeSchema,
  isEventType,
  jobSchema,
  messageSchema,
  runSchema,
  stepSchema,
  stopReasonSchema,
  toolExecutionSchema,
  toolSchema,
  usageSchema,
} from './events/catalogue.js';
export type { EventData, EventType } from './events/catalogue.js';
export { EXAMPLE_EVENT_DATA } from './events/examples.js';
export { envelopeSchema, eventIdSchema, resourceIdSchema } from './events/envelope.js';
export type { WebhookEnvelope } from './events/envelope.js';
export { eventTypeFilterSchema, filterMatches, subscribes } from './events/subscription.js';

export {
  MAX_SECRET_BYTES,
  MIN_SECRET_BYTES,
  decodeSecret,
  generateSecret,
  secretKey,
  secretSchema,
} from './signing/secret.js';
export { signWebhook } from './signing/sign.js';
export { SecretCipher } from './signing/secret-cipher.js';
export { requireEncryptionAtRest } from './signing/require-encryption-at-rest.js';
export type { SecretKey } from './signing/secret-cipher.js';
export type { SignInput, Signatures } from './signing/sign.js';
export { verifyWebhook } from './signing/verify-webhook.js';
export type { VerifyOptions, WebhookHeaders } from './signing/verify-webhook.js';
export {
  VERIFICATION_FAILURES,
  WebhookVerificationError,
} from './signing/webhook-verification-error.js';
export type { VerificationFailure } from './signing/webhook-verification-error.js';

export { MAX_ATTEMPTS_LIMIT, loadSettings, settingsSchema } from './settings.js';
export type {
  ApiSettings,
  PortalSettings,
  RetrySettings,
  Settings,
  SettingsEnv,
} from './settings.js';

export { createDb, createPool } from './db/create-db.js';
export type { CreateDbOptions, PgPool } from './db/create-db.js';
export type * from './db/tables.js';
export {
  attemptErrorKindSchema,
  attemptOutcomeSchema,
  attemptTriggerSchema,
  deliveryStatusSchema,
  endpointKindSchema,
} from './db/states.js';

export {
  BACKOFF_TYPE,
  DELIVERY_JOB_NAME,
  deliveryJobSchema,
  jobDataFromStored,
} from './queue/delivery-job.js';
export type { DeliveryJobData, StoredDelivery } from './queue/delivery-job.js';
export { JobAuthenticator, envelopeMismatch } from './queue/job-auth.js';
export type { EndpointScope, JobVerification, ParsedDeliveryJob } from './queue/job-auth.js';
export { createRedis } from './queue/create-redis.js';
export type { RedisConnection, RedisRole } from './queue/create-redis.js';
export { deliveryJobOptions } from './queue/job-options.js';
export {
  ALLOW_EVICTING_SETTING,
  SAFE_EVICTION_POLICY,
  checkEvictionPolicy,
  evictionRefusal,
  verifyEvictionPolicy,
} from './queue/eviction-policy.js';
export type { EvictionPolicyCheck } from './queue/eviction-policy.js';

export { AddressGuard } from './net/address-guard.js';
export { parseCidr } from './net/cidr.js';
export type { Cidr } from './net/cidr.js';
export {
  MAX_URL_LENGTH,
  URL_REFUSAL_CODE,
  endpointUrlSchema,
  isLoopbackName,
  urlRefusal,
} from './net/endpoint-url.js';
export { EndpointChangeBus } from './queue/endpoint-change-bus.js';
export type { EndpointChangeHandler } from './queue/endpoint-change-bus.js';

export { Coalescer } from './batching/coalescer.js';
export type { BatchObserver, CoalescerOptions } from './batching/coalescer.js';
