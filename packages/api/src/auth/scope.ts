import { WebhookError } from '@letta-webhooks/shared';
import type { Principal } from './principal.js';

// What a principal may see and act on. Every route goes through these, so the
// rule "another organization's records do not exist for you" has one home.

/** The owner of a record: its organization, and its agent when it has one. */
export interface Owned {
  readonly organizationId: string;
  readonly agentId: string | null;
}

/** True when `principal` may see (and change) a record owned as `owner`. */
export function canSee(principal: Principal, owner: Owned): boolean {
  if (principal.organizationId === null) return true;
  if (owner.organizationId !== principal.organizationId) return false;
  return principal.agentId === null || owner.agentId === principal.agentId;
}

/**
 * `record` when `principal` may see it. A record of another organization
 * answers exactly like a missing one (404, never 403): no existence oracle.
 *
 * @throws {WebhookError} `NOT_FOUND` on `field`.
 */
export function visible<T extends Owned>(
  principal: Principal,
  record: T | undefined,
  what: string,
  id: string,
  field = 'id',
): T {
  if (record === undefined || !canSee(principal, record)) {
    throw new WebhookError({ code: 'NOT_FOUND', field, message: `${what} ${id} does not exist` });
  }
  return record;
}

function outOfScope(field: string, message: string): WebhookError {
  return new WebhookError({ code: 'INVALID_INPUT', field, message: `${field}: ${message}` });
}

/**
 * The organization a request acts in: an organization's principal acts in its
 * own (naming another is refused), an admin names one.
 *
 * @throws {WebhookError} `INVALID_INPUT` on `field`.
 */
export function actingOrganization(
  principal: Principal,
  requested: string | undefined,
  field = 'organization_id',
): string {
  if (principal.organizationId === null) {
    if (requested === undefined) throw outOfScope(field, 'is required with an admin key');
    return requested;
  }
  if (requested !== undefined && requested !== principal.organizationId)
    throw outOfScope(field, "must be the API key's own organization (or be left out)");
  return principal.organizationId;
}

/**
 * The agent a request acts for: a principal narrowed to one agent acts for
 * that one; any other passes `requested` through.
 *
 * @throws {WebhookError} `INVALID_INPUT` on `field`.
 */
export function actingAgent(
  principal: Principal,
  requested: string | undefined,
  field = 'agent_id',
): string | undefined {
  if (principal.agentId === null) return requested;
  if (requested !== undefined && requested !== principal.agentId)
    throw outOfScope(field, 'is outside what this credential may act for');
  return principal.agentId;
}

/**
 * Listing filters narrowed to what `principal` may see, or null when the
 * filters ask only for what it may not (the answer is then an empty page).
 */
export function scopedFilters<F extends { organizationId?: string; agentId?: string }>(
  principal: Principal,
  filters: F,
): F | null {
  const { organizationId, agentId } = principal;
  if (organizationId === null) return filters;
  if (filters.organizationId !== undefined && filters.organizationId !== organizationId)
    return null;
  if (agentId !== null && filters.agentId !== undefined && filters.agentId !== agentId) return null;
  return { ...filters, organizationId, ...(agentId === null ? {} : { agentId }) };
}
