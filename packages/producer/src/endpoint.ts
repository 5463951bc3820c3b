import {
  endpointKindSchema,
  endpointUrlSchema,
  eventTypeFilterSchema,
  resourceIdSchema,
  secretSchema,
  type EndpointKind,
  type EndpointRow,
} from '@letta-webhooks/shared';
import { z } from 'zod';

const eventTypes = z
  .array(eventTypeFilterSchema)
  .min(1, 'must name at least one event type')
  .max(64)
  .transform((types) => [...new Set(types)]);
const description = z.string().max(1_000);
const metadata = z.record(z.string(), z.string().max(1_000));

/** Input of `createEndpoint`. */
export const createEndpointInputSchema = z.strictObject({
  /** Where deliveries are POSTed: http(s), public address. */
  url: endpointUrlSchema,
  organizationId: resourceIdSchema,
  /** The one agent this endpoint is for; omitted: every agent of the organization. */
  agentId: resourceIdSchema.optional(),
  /** Exact types, prefix wildcards (`agent.*`) or `*`. */
  eventTypes,
  description: description.optional(),
  metadata: metadata.optional(),
  /** A `whsec_…` secret to use. Default: a new random one. */
  secret: secretSchema.optional(),
});

/** Input of `createEndpoint`. */
export type CreateEndpointInput = z.input<typeof createEndpointInputSchema>;

/** Changes `updateEndpoint` can make; at least one. */
export const updateEndpointInputSchema = z
  .strictObject({
    url: endpointUrlSchema.optional(),
    eventTypes: eventTypes.optional(),
    description: description.optional(),
    metadata: metadata.optional(),
    /** false disables the endpoint (reason "disabled by operator"); true re-enables it. */
    enabled: z.boolean().optional(),
  })
  .refine(
    (patch) => Object.values(patch).some((value) => value !== undefined),
    'must change at least one field',
  );

/** Changes `updateEndpoint` can make. */
export type UpdateEndpointInput = z.input<typeof updateEndpointInputSchema>;

/** Filters of `listEndpoints`. */
export const listEndpointsInputSchema = z.strictObject({
  organizationId: resourceIdSchema.optional(),
  agentId: resourceIdSchema.optional(),
  enabled: z.boolean().optional(),
  /** `subscription` (registered endpoints) or `callback` (one-off callback URLs). Default `subscription`. */
  kind: endpointKindSchema.default('subscription'),
  /** Page size. Default 50, at most 500. */
  limit: z.int().min(1).max(500).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(500).optional(),
});

/** Filters of `listEndpoints`. */
export type ListEndpointsInput = z.input<typeof listEndpointsInputSchema>;

/** Options of `rotateEndpointSecret`. */
export const rotateSecretInputSchema = z.strictObject({
  /** The new secret. Default: a new random one. */
  secret: secretSchema.optional(),
  /** How long the old secret keeps signing alongside the new one. Default 24 h; 0 revokes it at once. */
  overlapMs: z
    .int()
    .min(0)
    .max(30 * 86_400_000)
    .default(86_400_000),
});

/** Options of `rotateEndpointSecret`. */
export type RotateSecretInput = z.input<typeof rotateSecretInputSchema>;

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
  readonly kind: EndpointKind;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An endpoint as returned once, at creation: with its secret. */
export interface EndpointWithSecret extends Endpoint {
  readonly secret: string;
}

/** How an endpoint has been doing. */
export interface EndpointHealth {
  readonly endpointId: string;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly disabledAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly lastFailureAt: Date | null;
  /** Start of the current run of failures (null: last attempt succeeded, or none yet). */
  readonly failingSince: Date | null;
  readonly consecutiveFailures: number;
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
    kind: row.kind,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The health view of an endpoint row. */
export function toHealth(row: EndpointRow): EndpointHealth {
  return {
    endpointId: row.id,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    lastSuccessAt: row.last_success_at,
    lastFailureAt: row.last_failure_at,
    failingSince: row.failing_since,
    consecutiveFailures: row.consecutive_failures,
  };
}
