import { WebhookError } from '@letta-webhooks/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CredentialResolver, Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts for; set on every authenticated route before it runs. */
    principal: Principal | null;
  }
}

/**
 * Requires a credential on every route of `app` (an encapsulated context):
 * asks each resolver in turn, before the body is read, so an unauthenticated
 * request costs no parsing and learns nothing about the input it sent.
 */
export function requireCredential(
  app: FastifyInstance,
  resolvers: readonly CredentialResolver[],
): void {
  app.addHook('onRequest', async (request) => {
    for (const resolver of resolvers) {
      const principal = await resolver.resolve(request);
      if (principal !== undefined) {
        request.principal = principal;
        return;
      }
    }
    throw new WebhookError({
      code: 'UNAUTHORIZED',
      field: 'authorization',
      message: 'an API key is required: send "Authorization: Bearer lwk_…"',
    });
  });
}

/** The principal of an authenticated request. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('route is not behind requireCredential');
  return request.principal;
}
