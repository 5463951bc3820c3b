import { principalOf } from '../auth/authenticate.js';
import { actingAgent, actingOrganization } from '../auth/scope.js';
import { PORTAL_PATH } from '../portal/portal-cookie.js';
import type { ApiServices } from '../services.js';
import {
  createPortalSessionBodySchema,
  portalSessionSchema,
} from '../wire/portal-session-schemas.js';
import { answer, errorResponses, type ApiApp } from './route-types.js';

/** `POST /v1/portal-sessions`: a link into the web portal for one organization (or one agent). */
export function portalSessionRoutes(app: ApiApp, services: ApiServices): void {
  const { portal } = services;
  app.post(
    '/portal-sessions',
    {
      schema: {
        operationId: 'createPortalSession',
        summary: 'A link into the web portal',
        description:
          "Mints a short-lived link that opens the web portal for one organization (optionally narrowed to one agent): its people manage their endpoints and read their delivery log there. The link works once; send the person to it (a redirect or a link in your app's settings page).",
        tags: ['portal'],
        body: createPortalSessionBodySchema,
        response: {
          201: answer('The link, shown this once.', portalSessionSchema),
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const organizationId = actingOrganization(principal, request.body.organization_id);
      const agentId = actingAgent(principal, request.body.agent_id) ?? null;
      const minted = await portal.sessions.mint({
        organizationId,
        agentId,
        createdBy: principal.credentialId,
        ttlMs: portal.settings.sessionTtlMs,
      });
      const base = portal.settings.publicUrl ?? `${request.protocol}://${request.host}`;
      const url = new URL(`${PORTAL_PATH}/`, base);
      url.hash = `token=${minted.token}`;
      return reply.code(201).headers({ 'Cache-Control': 'no-store' }).send({
        id: minted.id,
        url: url.toString(),
        organization_id: minted.organizationId,
        agent_id: minted.agentId,
        expires_at: minted.expiresAt.toISOString(),
      });
    },
  );
}
