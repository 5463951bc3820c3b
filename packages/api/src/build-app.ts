import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { ApiSettings } from '@letta-webhooks/shared';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { requireCredential } from './auth/authenticate.js';
import { answerClientError } from './errors/client-error.js';
import { installErrorHandler } from './errors/error-handler.js';
import { REQUEST_ID_HEADER, requestIdOf } from './observability/request-id.js';
import { DOCS_PREFIX, openApiOptions } from './openapi/openapi-options.js';
import { deliveryRoutes } from './routes/delivery-routes.js';
import { portalRoutes } from './portal/portal-routes.js';
import { endpointRoutes } from './routes/endpoint-routes.js';
import { endpointStatsRoutes } from './routes/endpoint-stats-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { eventTypeRoutes } from './routes/event-type-routes.js';
import { portalSessionRoutes } from './routes/portal-session-routes.js';
import type { ApiApp } from './routes/route-types.js';
import { systemRoutes } from './routes/system-routes.js';
import type { ApiServices } from './services.js';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  readonly settings: Pick<ApiSettings, 'bodyLimitBytes' | 'trustProxy'>;
  readonly services: ApiServices;
  readonly logger: Logger;
}

/** A built API (not listening yet), and the switch `/readyz` reads while stopping. */
export interface BuiltApp {
  readonly app: ApiApp;
  /** Marks the API as stopping: `/readyz` answers 503 from now on. */
  markStopping(): void;
}

/**
 * The API's Fastify instance: error handling, request ids and logs, metrics,
 * the OpenAPI document and its reference page, and the routes. Wiring only.
 */
export async function buildApp(options: BuildAppOptions): Promise<BuiltApp> {
  const { services, settings } = options;
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // One line per request, written on response (below), instead of Fastify's two.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'requestId',
    }),
    genReqId: requestIdOf,
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: settings.trustProxy,
    clientErrorHandler: answerClientError,
    // Requests in flight finish on close; idle keep-alive connections are closed at once.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: every other media type is refused with 415.
  app.removeContentTypeParser(['text/plain']);
  installErrorHandler(app);

  app.decorateRequest('principal', null);
  // A request without a body reads as an empty object: actions whose body only
  // carries options (rotate-secret, disable, test) then need none, and a
  // required field is reported by name rather than as a missing body.
  app.addHook('preValidation', (request, _reply, done) => {
    request.body ??= {};
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    services.metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        // The client's address: from X-Forwarded-For only behind a trusted proxy.
        ip: request.ip,
        credential: request.principal?.credentialId,
      },
      'request',
    );
  });

  await app.register(fastifySwagger, openApiOptions());
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: true,
    uiConfig: { deepLinking: true },
  });

  let stopping = false;
  systemRoutes(app, services, { stopping: () => stopping });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(
    (v1, _options, done) => {
      const api = v1.withTypeProvider<ZodTypeProvider>();
      requireCredential(api, services.credentials);
      eventRoutes(api, services);
      endpointRoutes(api, services);
      deliveryRoutes(api, services);
      eventTypeRoutes(api);
      endpointStatsRoutes(api, services);
      portalSessionRoutes(api, services);
      done();
    },
    { prefix: '/v1' },
  );
  await app.register((portal, _options, done) => {
    portalRoutes(portal.withTypeProvider<ZodTypeProvider>(), services);
    done();
  });
  await app.ready();
  return {
    app,
    markStopping() {
      stopping = true;
    },
  };
}
