import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { errorBodySchema } from '../errors/error-body.js';

/** A Fastify instance whose routes are typed by their zod schemas. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input (`INVALID_INPUT`, `UNKNOWN_EVENT_TYPE`, `INVALID_URL`); `field` names it.',
  401: 'Missing, unknown or revoked API key (`UNAUTHORIZED`).',
  404: "Not found (`NOT_FOUND`) — also for another organization's records.",
  409: 'Conflict (`ENDPOINT_DISABLED`, `CONFLICT`).',
  413: 'Too large (`PAYLOAD_TOO_LARGE`).',
  503: 'Postgres or Redis unavailable (`DATABASE_UNAVAILABLE`, `QUEUE_UNAVAILABLE`); see `Retry-After`.',
};

/** A success response of a route's schema: its JSON body and what it means (for the OpenAPI document). */
export function answer<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } };
}

/** The error responses a route can give, for its schema (and so the OpenAPI document). */
export function errorResponses(...statuses: readonly number[]) {
  return Object.fromEntries(
    [400, 401, 503, ...statuses].map((status) => [
      status,
      answer(ERROR_DESCRIPTIONS[status] ?? 'Error', errorBodySchema),
    ]),
  );
}
