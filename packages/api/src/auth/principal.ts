import type { FastifyRequest } from 'fastify';

/**
 * Who a request acts for, whatever credential proved it. Routes decide only
 * from this, so a new kind of credential (a portal session cookie) adds a
 * {@link CredentialResolver} and changes no route.
 */
export interface Principal {
  /** The kind of credential that proved it: an API key, or a portal session cookie. */
  readonly credential: 'api_key' | 'portal_session';
  /** The credential's id (an API key's `key_…`, a portal session's `ps_…`), for logs. Never the secret. */
  readonly credentialId: string;
  /** The one organization it acts for; null: every organization (admin). */
  readonly organizationId: string | null;
  /** The one agent it is narrowed to; null: the organization's every agent. */
  readonly agentId: string | null;
}

/**
 * Finds a principal in a request. Returns undefined when the request carries
 * no credential of this kind (the next resolver is asked); throws
 * `UNAUTHORIZED` when it carries one that is not valid.
 */
export interface CredentialResolver {
  resolve(request: FastifyRequest): Promise<Principal | undefined>;
}
