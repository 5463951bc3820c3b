import { WebhookError } from '@letta-webhooks/shared';
import type { FastifyRequest } from 'fastify';
import type { CredentialResolver, Principal } from '../auth/principal.js';
import { portalCookieOf } from './portal-cookie.js';
import type { PortalServices } from './portal-services.js';

/**
 * The portal session cookie as a credential: the principal of its session,
 * limited to the session's organization (and agent). Asked only by the
 * portal's own routes, so a cookie never stands in for an API key under `/v1`.
 */
export class PortalSessionResolver implements CredentialResolver {
  readonly #store: PortalServices['sessions'];

  constructor(store: PortalServices['sessions']) {
    this.#store = store;
  }

  async resolve(request: FastifyRequest): Promise<Principal | undefined> {
    const secret = portalCookieOf(request);
    if (secret === undefined || secret === '') return undefined;
    let row;
    try {
      row = await this.#store.findActive(secret);
    } catch (error) {
      throw new WebhookError({
        code: 'DATABASE_UNAVAILABLE',
        message: 'could not check the portal session',
        cause: error,
      });
    }
    if (row === undefined)
      throw new WebhookError({
        code: 'UNAUTHORIZED',
        field: 'cookie',
        message: 'the portal session has ended: open a new portal link',
      });
    return {
      credential: 'portal_session',
      credentialId: row.id,
      organizationId: row.organization_id,
      agentId: row.agent_id,
    };
  }
}
