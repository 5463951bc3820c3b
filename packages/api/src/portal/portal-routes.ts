import { WebhookError } from '@letta-webhooks/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { principalOf, requireCredential } from '../auth/authenticate.js';
import { deliveryRoutes } from '../routes/delivery-routes.js';
import { endpointRoutes } from '../routes/endpoint-routes.js';
import { endpointStatsRoutes } from '../routes/endpoint-stats-routes.js';
import { eventTypeRoutes } from '../routes/event-type-routes.js';
import type { ApiApp } from '../routes/route-types.js';
import type { ApiServices } from '../services.js';
import {
  exchangePortalTokenBodySchema,
  portalWhoAmISchema,
} from '../wire/portal-session-schemas.js';
import type { PortalAsset } from './portal-assets.js';
import {
  PORTAL_PATH,
  clearPortalCookie,
  portalCookieOf,
  setPortalCookie,
} from './portal-cookie.js';
import { PORTAL_HEADERS } from './portal-headers.js';
import { PortalSessionResolver } from './portal-session-resolver.js';

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: PortalAsset) {
  const accepts = request.headers['accept-encoding'] ?? '';
  const [encoding, body] =
    asset.br !== undefined && /\bbr\b/.test(accepts)
      ? ['br', asset.br]
      : asset.gzip !== undefined && /\bgzip\b/.test(accepts)
        ? ['gzip', asset.gzip]
        : [undefined, asset.body];
  void reply
    .type(asset.type)
    .header('Vary', 'Accept-Encoding')
    .header('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (encoding !== undefined) void reply.header('Content-Encoding', encoding);
  return reply.send(body);
}

function notBuilt(): WebhookError {
  // INVALID_SETTINGS answers 500: the deployment, not the caller, has to change.
  return new WebhookError({
    code: 'INVALID_SETTINGS',
    message: 'the portal pages are not built: run `pnpm build`',
  });
}

/**
 * The web portal under `/portal`: its pages, the exchange of a link's token
 * for a session cookie, and the portal's API (`/portal/api/v1/…`) — the same
 * route plugins as `/v1`, behind the session cookie instead of an API key, so
 * every limit of the session's organization (and agent) is the API's own.
 * Every response carries the portal's security headers.
 */
export function portalRoutes(app: ApiApp, services: ApiServices): void {
  const { portal } = services;
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.headers(PORTAL_HEADERS);
    return payload;
  });
  // The portal's routes are the /v1 ones again: the OpenAPI document lists them once, under /v1.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });

  app.get(PORTAL_PATH, (request, reply) => {
    const page = portal.assets?.get('index.html');
    if (page === undefined) throw notBuilt();
    // The page never caches: a new build's asset names reach browsers at once.
    return sendAsset(request, reply, page).header('Cache-Control', 'no-store');
  });

  app.get<{ Params: { '*': string } }>(`${PORTAL_PATH}/assets/*`, (request, reply) => {
    const asset = portal.assets?.get(`assets/${request.params['*']}`);
    if (asset === undefined)
      throw new WebhookError({
        code: 'NOT_FOUND',
        field: 'path',
        message: 'no such portal asset',
      });
    return sendAsset(request, reply, asset);
  });

  app.post(
    `${PORTAL_PATH}/api/session`,
    { schema: { body: exchangePortalTokenBodySchema } },
    async (request, reply) => {
      const opened = await portal.sessions.exchange(request.body.token);
      if (opened === undefined)
        throw new WebhookError({
          code: 'UNAUTHORIZED',
          field: 'token',
          message: 'this portal link has expired or was already used: ask for a new one',
        });
      setPortalCookie(request, reply, opened.secret, opened.expiresAt);
      return reply.headers({ 'Cache-Control': 'no-store' }).send({
        organization_id: opened.organizationId,
        agent_id: opened.agentId,
        expires_at: opened.expiresAt.toISOString(),
      });
    },
  );

  app.delete(`${PORTAL_PATH}/api/session`, async (request, reply) => {
    const secret = portalCookieOf(request);
    if (secret !== undefined) await portal.sessions.end(secret);
    clearPortalCookie(request, reply);
    return reply.code(204).send();
  });

  void app.register(
    (scoped, _options, done) => {
      const api = scoped.withTypeProvider<ZodTypeProvider>();
      requireCredential(api, [new PortalSessionResolver(portal.sessions)]);
      api.addHook('onSend', async (_request, reply, payload) => {
        void reply.header('Cache-Control', 'no-store');
        return payload;
      });
      api.get(
        '/session',
        { schema: { response: { 200: portalWhoAmISchema } } },
        async (request) => {
          const principal = principalOf(request);
          const row = await portal.sessions.findActive(portalCookieOf(request) ?? '');
          return {
            organization_id: principal.organizationId ?? '',
            agent_id: principal.agentId,
            expires_at: (row?.expires_at ?? new Date()).toISOString(),
          };
        },
      );
      endpointRoutes(api, services);
      endpointStatsRoutes(api, services);
      deliveryRoutes(api, services);
      eventTypeRoutes(api);
      done();
    },
    { prefix: `${PORTAL_PATH}/api/v1` },
  );
}
