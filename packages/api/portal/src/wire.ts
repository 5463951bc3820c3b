// The shapes the portal reads, taken from the API's own wire schemas (types
// only: nothing of the server reaches the bundle).
import type { z } from 'zod';
import type {
  attemptSchema,
  deliveryDetailSchema,
  deliverySchema,
} from '../../src/wire/delivery-schemas.js';
import type {
  endpointHealthSchema,
  endpointSchema,
  endpointWithSecretSchema,
  rotatedSecretSchema,
  testEventResultSchema,
} from '../../src/wire/endpoint-schemas.js';
import type { endpointStatsSchema } from '../../src/wire/endpoint-stats-schemas.js';
import type { eventTypeInfoSchema } from '../../src/wire/event-schemas.js';
import type { portalWhoAmISchema } from '../../src/wire/portal-session-schemas.js';
import type { DeliveryStatus } from '../../../shared/src/db/states.js';

export type { DeliveryStatus };
/** A registered endpoint. */
export type Endpoint = z.output<typeof endpointSchema>;
/** An endpoint as created, with its secret. */
export type EndpointWithSecret = z.output<typeof endpointWithSecretSchema>;
/** How an endpoint has been doing. */
export type EndpointHealth = z.output<typeof endpointHealthSchema>;
/** A rotated secret. */
export type RotatedSecret = z.output<typeof rotatedSecretSchema>;
/** The answer of the test route. */
export type TestEventResult = z.output<typeof testEventResultSchema>;
/** One delivery. */
export type Delivery = z.output<typeof deliverySchema>;
/** A delivery with its body and attempts. */
export type DeliveryDetail = z.output<typeof deliveryDetailSchema>;
/** One attempt. */
export type Attempt = z.output<typeof attemptSchema>;
/** One endpoint's chart data. */
export type EndpointStats = z.output<typeof endpointStatsSchema>;
/** One catalogue entry. */
export type EventTypeInfo = z.output<typeof eventTypeInfoSchema>;
/** The session the page runs in. */
export type WhoAmI = z.output<typeof portalWhoAmISchema>;
/** One page of a listing. */
export interface Page<T> {
  readonly data: T[];
  readonly next_cursor: string | null;
}
