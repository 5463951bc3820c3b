import {
  endpointUrlSchema,
  eventTypeFilterSchema,
  resourceIdSchema,
  secretSchema,
  type EndpointRow,
} from '@letta-webhooks/shared';
import { z } from 'zod';

/** Input of `createEndpoint`. */
export const createEndpointInputSchema = z.strictObject({
  /** Where deliveries are POSTed: http(s), public address. */
  url: endpointUrlSchema,
  organizationId: resourceIdSchema,
  /** The one agent this endpoint is for; omitted: every agent of the organization. */
  agentId: resourceIdSchema.optional(),
  /** Exact types, prefix wildcards (`agent.*`) or `*`. */
  eventTypes: z.array(eventTypeFilterSchema).min(1, 'must name at least one event type').max(64),
  description: z.string().max(1_000).optional(),
  metadata: z.record(z.string(), z.string().max(1_000)).optional(),
  /** A `whsec_…` secret to use; default: a new random one. */
  secret: secretSchema.optional(),
});

/** Input of `createEndpoint`. */
export type CreateEndpointInput = z.input<typeof createEndpointInputSchema>;

/** Filters of `listEndpoints`. */
export const listEndpointsInputSchema = z.strictObject({
  organizationId: resourceIdSchema.optional(),
  agentId: resourceIdSchema.optional(),
  enabled: z.boolean().optional(),
  /** At most this many. Default 100, at most 1000. */
  limit: z.int().min(1).max(1_000).default(100),
});

/** Filters of `listEndpoints`. */
export type ListEndpointsInput = z.input<typeof listEndpointsInputSchema>;

/** A registered endpoint, without its secret. */
export interface Endpoint {
  readonly id: string;
  readonly organizationId: string;
  readonly agentId: string | null;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An endpoint as returned once, at creation: with its secret. */
export interface EndpointWithSecret extends Endpoint {
  readonly secret: string;
}

/** The public view of an endpoint row; the secret stays behind. */
export function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    organizationId: row.organization_id,
    agentId: row.agent_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    metadata: row.metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
