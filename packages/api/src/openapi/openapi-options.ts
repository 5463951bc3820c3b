import type { SwaggerOptions } from '@fastify/swagger';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
} from 'fastify-type-provider-zod';
import { finishDocument } from './finish-document.js';

/** Where the interactive reference is served. */
export const DOCS_PREFIX = '/docs';

/** The API version in the document (the `/v1` routes). */
export const API_VERSION = '1.0.0';

/**
 * `@fastify/swagger` options: an OpenAPI 3.1 document generated from the
 * routes' zod schemas, with the named wire schemas as components (zod's
 * global registry holds their names and descriptions).
 */
export function openApiOptions(): SwaggerOptions {
  const withComponents = createJsonSchemaTransformObject({});
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Letta webhooks API',
        version: API_VERSION,
        description:
          'Publish agent events and manage webhook endpoints and deliveries over HTTP. JSON is snake_case; every error is `{ "error": { "code", "field", "message" } }`.',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (`lwk_…`) from `letta-webhooks api-keys create`.',
          },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'events', description: 'Publish events.' },
        { name: 'endpoints', description: 'Register and manage endpoints.' },
        { name: 'deliveries', description: 'The delivery log: every delivery and attempt.' },
        { name: 'event types', description: 'The event catalogue.' },
        { name: 'portal', description: 'Links into the web portal (`/portal`).' },
        { name: 'operations', description: 'Health and readiness probes.' },
      ],
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: (input) => finishDocument(withComponents(input)),
  };
}
