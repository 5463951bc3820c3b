import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { EventType } from '../events/catalogue.js';
import type {
  AttemptErrorKind,
  AttemptOutcome,
  AttemptTrigger,
  DeliveryStatus,
  EndpointKind,
} from './states.js';

// Glossary (see DESIGN.md): an *event* happened once; an *endpoint* is a URL an
// organization registered; a *delivery* is one event to one endpoint; an
// *attempt* is one HTTP POST of a delivery.

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type {
  AttemptErrorKind,
  AttemptOutcome,
  AttemptTrigger,
  DeliveryStatus,
  EndpointKind,
} from './states.js';

/** `webhook_endpoints`: one URL registered by an organization. */
export interface EndpointsTable {
  id: string;
  organization_id: string;
  /** Null: every agent of the organization. */
  agent_id: string | null;
  url: string;
  description: Generated<string>;
  event_types: string[];
  secret: string;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  disabled_at: Timestamp | null;
  metadata: Generated<Record<string, unknown>>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Timestamp | null;
  /** Rotated-out secrets still valid until `expires_at`, newest first. */
  previous_secrets: Generated<PreviousSecret[]>;
  kind: Generated<EndpointKind>;
  last_success_at: Timestamp | null;
  last_failure_at: Timestamp | null;
  /** Start of the current run of failures; null after a success. */
  failing_since: Timestamp | null;
  consecutive_failures: Generated<number>;
}

/** A secret rotated out of an endpoint, valid until `expires_at` (ISO). */
export interface PreviousSecret {
  readonly secret: string;
  readonly expires_at: string;
}

/** `webhook_organization_secrets`: the secret callback deliveries are signed with. */
export interface OrganizationSecretsTable {
  organization_id: string;
  secret: string;
  created_at: CreatedAt;
}

/** `webhook_events`: each published event once, with the exact body bytes sent. */
export interface EventsTable {
  id: string;
  event_type: EventType;
  organization_id: string;
  agent_id: string;
  body: string;
  occurred_at: Timestamp;
  /** SHA-256 of the publish input (see the producer's input-digest); null for rows written by workers in fast mode. */
  input_digest: string | null;
  created_at: CreatedAt;
}

/** `webhook_deliveries`: one event to one endpoint, with its current state. */
export interface DeliveriesTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  event_type: EventType;
  organization_id: string;
  agent_id: string;
  status: Generated<DeliveryStatus>;
  attempt_count: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  completed_at: Timestamp | null;
  last_trigger: Generated<AttemptTrigger>;
  /** When the delivery's job entered BullMQ; null while it waits in the outbox. */
  enqueued_at: Timestamp | null;
}

/** `webhook_attempts`: one HTTP POST of a delivery. */
export interface AttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  attempt_number: number;
  trigger: Generated<AttemptTrigger>;
  outcome: AttemptOutcome;
  status_code: number | null;
  error_kind: AttemptErrorKind | null;
  error_message: string | null;
  response_excerpt: string | null;
  response_truncated: Generated<boolean>;
  started_at: Timestamp;
  duration_ms: number;
  created_at: CreatedAt;
}

/**
 * `webhook_api_keys`: credentials of the HTTP API. Only the SHA-256 of each
 * key is stored; the key itself is shown once, at creation.
 */
export interface ApiKeysTable {
  id: string;
  name: Generated<string>;
  /** The one organization the key acts for; null for an admin key. */
  organization_id: string | null;
  /** An admin key acts for every organization. */
  admin: Generated<boolean>;
  /** SHA-256 of the whole key (`lwk_…`). */
  key_hash: Buffer;
  /** The first characters of the key, so people can tell keys apart. */
  key_prefix: string;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

/**
 * `webhook_portal_sessions`: links into the web portal (`/portal`) and the
 * sessions they open. Only SHA-256 hashes of the one-time token and of the
 * session cookie's secret are stored.
 */
export interface PortalSessionsTable {
  id: string;
  /** The one organization the session acts for. */
  organization_id: string;
  /** The one agent it is narrowed to; null: the organization's every agent. */
  agent_id: string | null;
  /** SHA-256 of the one-time token in the link. */
  token_hash: Buffer;
  /** SHA-256 of the session cookie's secret; null until the token is exchanged. */
  session_hash: Buffer | null;
  /** The API key (`key_…`) that minted the link. */
  created_by: string;
  created_at: CreatedAt;
  exchanged_at: Timestamp | null;
  /** The link and its session both end here. */
  expires_at: Timestamp;
}

/** The database as Kysely sees it. */
export interface Database {
  webhook_endpoints: EndpointsTable;
  webhook_events: EventsTable;
  webhook_deliveries: DeliveriesTable;
  webhook_attempts: AttemptsTable;
  webhook_organization_secrets: OrganizationSecretsTable;
  webhook_api_keys: ApiKeysTable;
  webhook_portal_sessions: PortalSessionsTable;
}

export type EndpointRow = Selectable<EndpointsTable>;
export type NewEndpointRow = Insertable<EndpointsTable>;
export type EndpointUpdate = Updateable<EndpointsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type AttemptRow = Selectable<AttemptsTable>;
export type EventRow = Selectable<EventsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type PortalSessionRow = Selectable<PortalSessionsTable>;
