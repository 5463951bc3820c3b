export { createProducer } from './create-producer.js';
export type { ProducerOptions } from './create-producer.js';
export type { BatchEvent, Producer } from './producer.js';
export { MAX_BATCH } from './publish/event-publisher.js';
export type { QueueStats } from './queue-stats.js';
export { CALLBACK_EVENT_TYPES } from './publish-event.js';
export type { PublishOptions, PublishResult } from './publish-event.js';
export {
  createEndpointInputSchema,
  listEndpointsInputSchema,
  rotateSecretInputSchema,
  updateEndpointInputSchema,
} from './endpoint.js';
export { listDeliveriesInputSchema } from './delivery-log.js';
export type {
  CreateEndpointInput,
  Endpoint,
  EndpointHealth,
  EndpointWithSecret,
  ListEndpointsInput,
  RotateSecretInput,
  UpdateEndpointInput,
} from './endpoint.js';
export { MAX_PREVIOUS_SECRETS } from './endpoint-store.js';
export type { Page } from './cursor.js';
export type { Attempt, Delivery, DeliveryDetail, ListDeliveriesInput } from './delivery-log.js';
export type { RecoverOptions, ReplayScope } from './replayer.js';
export { TEST_AGENT_ID } from './send-test-event.js';
export type { TestEventInput, TestEventResult } from './send-test-event.js';
export {
  EVENT_TYPES,
  WebhookError,
  WebhookVerificationError,
  generateSecret,
  isWebhookError,
  loadSettings,
  verifyWebhook,
} from '@letta-webhooks/shared';
export type { EventData, EventType, Settings, WebhookEnvelope } from '@letta-webhooks/shared';
export { EndpointStatsReader, STATS_WINDOWS, endpointStatsInputSchema } from './endpoint-stats.js';
export type {
  EndpointStats,
  EndpointStatsInput,
  LatencyPercentiles,
  StatsBucket,
} from './endpoint-stats.js';
