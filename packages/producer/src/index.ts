export { createProducer } from './create-producer.js';
export type { Producer, ProducerOptions } from './create-producer.js';
export type { PublishOptions, PublishResult } from './publish-event.js';
export type {
  CreateEndpointInput,
  Endpoint,
  EndpointWithSecret,
  ListEndpointsInput,
} from './endpoint.js';
export {
  EVENT_TYPES,
  WebhookError,
  generateSecret,
  isWebhookError,
  loadSettings,
  verifyWebhook,
} from '@letta-webhooks/shared';
export type { EventData, EventType, Settings, WebhookEnvelope } from '@letta-webhooks/shared';
