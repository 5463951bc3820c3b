import { describe, expect, it } from '@jest/globals';
import { isWebhookError } from '@letta-webhooks/shared';
import type { Principal } from '../src/auth/principal.js';
import {
  actingAgent,
  actingOrganization,
  canSee,
  scopedFilters,
  visible,
} from '../src/auth/scope.js';

// Principals of every reach, including one narrowed to an agent (the portal
// session of issue 15 will be one): the routes decide only through these rules.
const admin: Principal = {
  credential: 'api_key',
  credentialId: 'key_admin',
  organizationId: null,
  agentId: null,
};
const org: Principal = {
  credential: 'api_key',
  credentialId: 'key_org',
  organizationId: 'org-a',
  agentId: null,
};
const agent: Principal = {
  credential: 'api_key',
  credentialId: 'session',
  organizationId: 'org-a',
  agentId: 'agent-1',
};

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (!isWebhookError(error)) throw error;
    return `${error.code}:${error.field ?? ''}`;
  }
}

describe('scope', () => {
  it('decides what each principal sees', () => {
    const orgWide = { organizationId: 'org-a', agentId: null };
    const agentOne = { organizationId: 'org-a', agentId: 'agent-1' };
    const foreign = { organizationId: 'org-b', agentId: 'agent-1' };
    expect(
      [admin, org, agent].map((p) => [canSee(p, orgWide), canSee(p, agentOne), canSee(p, foreign)]),
    ).toEqual([
      [true, true, true],
      [true, true, false],
      [false, true, false],
    ]);
    expect(codeOf(() => visible(org, foreign, 'endpoint', 'ep_1'))).toBe('NOT_FOUND:id');
    expect(codeOf(() => visible(org, undefined, 'endpoint', 'ep_1'))).toBe('NOT_FOUND:id');
    expect(visible(agent, agentOne, 'endpoint', 'ep_1')).toBe(agentOne);
  });

  it('says in which organization and for which agent a request acts', () => {
    expect(actingOrganization(org, undefined)).toBe('org-a');
    expect(actingOrganization(admin, 'org-z')).toBe('org-z');
    expect(codeOf(() => actingOrganization(admin, undefined))).toBe(
      'INVALID_INPUT:organization_id',
    );
    expect(codeOf(() => actingOrganization(org, 'org-b', 'events.2.organization_id'))).toBe(
      'INVALID_INPUT:events.2.organization_id',
    );
    expect(actingAgent(org, 'agent-9')).toBe('agent-9');
    expect(actingAgent(agent, undefined)).toBe('agent-1');
    expect(codeOf(() => actingAgent(agent, 'agent-2'))).toBe('INVALID_INPUT:agent_id');
  });

  it('narrows listing filters, or finds nothing when they ask outside the scope', () => {
    const failed: { organizationId?: string; status: string } = { status: 'failed' };
    expect(scopedFilters(admin, failed)).toEqual({ status: 'failed' });
    expect(scopedFilters(org, {})).toEqual({ organizationId: 'org-a' });
    expect(scopedFilters(org, { organizationId: 'org-b' })).toBeNull();
    expect(scopedFilters(agent, {})).toEqual({ organizationId: 'org-a', agentId: 'agent-1' });
    expect(scopedFilters(agent, { agentId: 'agent-2' })).toBeNull();
  });
});
