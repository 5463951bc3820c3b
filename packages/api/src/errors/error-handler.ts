import { isWebhookError, type WebhookError } from '@letta-webhooks/shared';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiApp } from '../routes/route-types.js';
import {
  hasZodFastifySchemaValidationErrors,
  type ZodFastifySchemaValidationError,
} from 'fastify-type-provider-zod';
import { errorBody, INTERNAL_ERROR, type ErrorBody, type ErrorCode } from './error-body.js';
import { HTTP_STATUS, RETRY_AFTER_SECONDS } from './http-status.js';
import { wireField, wireMessage } from './wire-field.js';

// Fastify's own request errors (raised before a route runs), by the field they concern.
const FASTIFY_FIELDS: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content-length',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'body',
};

function fromWebhookError(error: WebhookError): { status: number; body: ErrorBody } {
  const field = error.field === undefined ? null : wireField(error.field);
  const message =
    error.field === undefined ? error.message : wireMessage(error.message, error.field);
  return { status: HTTP_STATUS[error.code], body: errorBody(error.code, message, field) };
}

function issueField(issue: ZodFastifySchemaValidationError): string {
  const path = issue.instancePath.split('/').filter((part) => part !== '');
  // An unknown field is reported on its parent; name the field itself.
  const keys = (issue.params as { keys?: unknown }).keys;
  if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys) && typeof keys[0] === 'string')
    path.push(keys[0]);
  return path.join('.');
}

function fromValidation(
  issues: readonly ZodFastifySchemaValidationError[],
  context: string | undefined,
): { status: number; body: ErrorBody } {
  const fields = issues.map((issue) => ({
    field: issueField(issue) || (context ?? 'body'),
    message: issue.keyword === 'unrecognized_keys' ? 'is not a known field' : issue.message,
    keyword: issue.keyword,
  }));
  const first = fields[0];
  // An event type outside the catalogue has a code of its own, as in the producer.
  const code: ErrorCode =
    first !== undefined &&
    first.field.split('.').at(-1) === 'event_type' &&
    first.keyword === 'invalid_value'
      ? 'UNKNOWN_EVENT_TYPE'
      : 'INVALID_INPUT';
  const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return { status: 400, body: errorBody(code, message, first?.field ?? null) };
}

function fromFastify(error: FastifyError): { status: number; body: ErrorBody } | undefined {
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const code: ErrorCode =
    status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT';
  return { status, body: errorBody(code, error.message, FASTIFY_FIELDS[error.code] ?? null) };
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  if (status === 401) void reply.header('WWW-Authenticate', 'Bearer');
  if (status === 503) void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
  return reply.code(status).type('application/json').send(body);
}

/**
 * One error path for every route: `WebhookError` codes through the status
 * table, request validation to 400 naming the field, Fastify's own request
 * errors (bad JSON, content type, size) to their 4xx, anything else to a bare
 * 500 — never a stack trace on the wire.
 */
export function installErrorHandler(app: ApiApp): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = isWebhookError(error)
      ? fromWebhookError(error)
      : hasZodFastifySchemaValidationErrors(error)
        ? fromValidation(error.validation, error.validationContext)
        : fromFastify(error);
    if (mapped !== undefined) {
      if (mapped.status >= 500)
        request.log.warn({ code: mapped.body.error.code, err: error.message }, 'request failed');
      return send(reply, mapped.status, mapped.body);
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(reply, 500, errorBody(INTERNAL_ERROR, 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      404,
      errorBody(
        'NOT_FOUND',
        `no route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
      ),
    ),
  );
}
