import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { AddressGuard } from '@letta-webhooks/shared';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { HttpAttemptResult } from './attempt-result.js';
import { CONNECT_TIMEOUT_CODE, limitConnectTime } from './connect-timeout.js';
import { REFUSED_ADDRESS_CODE, guardedLookup } from './guarded-lookup.js';

/** Options of {@link WebhookSender}. */
export interface WebhookSenderOptions {
  readonly guard: AddressGuard;
  /** Hard deadline of one request, from connect to the last body byte read. */
  readonly timeoutMs: number;
  /** Deadline for setting up a new connection (TCP, and TLS for https). */
  readonly connectTimeoutMs: number;
  /** Bytes of the response body to keep. */
  readonly excerptBytes: number;
  /** Open sockets per host per agent. Default 64. */
  readonly maxSocketsPerHost?: number;
}

/** One request to send. */
export interface SendRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts the request early (worker shutdown). */
  readonly signal?: AbortSignal;
}

/**
 * Sends webhook POSTs through one keep-alive agent pair per process. Never
 * follows redirects, ignores proxy environment variables, resolves hosts
 * through the address guard, and enforces a hard deadline on the whole
 * exchange. Every outcome is returned as a value; `send` never throws.
 */
export class WebhookSender {
  readonly #client: AxiosInstance;
  readonly #agents: readonly [http.Agent, https.Agent];
  readonly #timeoutMs: number;
  readonly #excerptBytes: number;

  constructor(options: WebhookSenderOptions) {
    const lookup = guardedLookup(options.guard);
    const agentOptions = { keepAlive: true, maxSockets: options.maxSocketsPerHost ?? 64, lookup };
    const httpAgent = new http.Agent(agentOptions);
    const httpsAgent = new https.Agent(agentOptions);
    limitConnectTime(httpAgent, options.connectTimeoutMs);
    limitConnectTime(httpsAgent, options.connectTimeoutMs);
    this.#agents = [httpAgent, httpsAgent];
    this.#timeoutMs = options.timeoutMs;
    this.#excerptBytes = options.excerptBytes;
    this.#client = axios.create({
      httpAgent,
      httpsAgent,
      proxy: false,
      maxRedirects: 0,
      responseType: 'stream',
      validateStatus: () => true,
      decompress: true,
      // The deadline below bounds the exchange; these stop axios buffering anything itself.
      maxContentLength: -1,
      maxBodyLength: Infinity,
      transformRequest: [(data: unknown) => data],
    });
  }

  /** POSTs `request.body` and reports what happened. */
  async send(request: SendRequest): Promise<HttpAttemptResult> {
    const startedAt = new Date();
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;
    const elapsed = () => Math.round(performance.now() - started);

    let response;
    try {
      response = await this.#client.post<Readable>(request.url, request.body, {
        headers: request.headers,
        signal,
      });
    } catch (error) {
      return {
        startedAt,
        durationMs: elapsed(),
        truncated: false,
        error: describeError(error, deadline, request.signal),
      };
    }
    const read = await readCapped(response.data, this.#excerptBytes, signal);
    const header = (name: string): string | undefined => {
      const value: unknown = response.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const retryAfter = header('retry-after');
    const location = header('location');
    return {
      startedAt,
      durationMs: elapsed(),
      statusCode: response.status,
      ...(retryAfter === undefined ? {} : { retryAfter }),
      ...(location === undefined ? {} : { location }),
      excerpt: read.text,
      truncated: read.truncated,
      ...(read.error === undefined
        ? {}
        : { error: { kind: 'response_read' as const, message: read.error } }),
    };
  }

  /** Closes every pooled socket. */
  close(): void {
    for (const agent of this.#agents) agent.destroy();
  }
}

/**
 * Reads at most `limit` bytes of a response stream, then lets go of it.
 * Bytes past the limit are not read; the connection is dropped instead.
 */
async function readCapped(
  stream: Readable,
  limit: number,
  signal: AbortSignal,
): Promise<{ text: string; truncated: boolean; error?: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  let error: string | undefined;
  const onAbort = () =>
    stream.destroy(new Error('deadline reached while reading the response body'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      const room = limit - size;
      if (buffer.length > room) {
        chunks.push(buffer.subarray(0, room));
        size = limit;
        truncated = true;
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
  } catch (caught) {
    truncated = true;
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!stream.readableEnded) stream.destroy();
  }
  // Postgres text cannot hold NUL; binary bodies are kept as replacement characters.
  const text = Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '\uFFFD');
  return error === undefined ? { text, truncated } : { text, truncated, error };
}

function describeError(
  error: unknown,
  deadline: AbortSignal,
  shutdown: AbortSignal | undefined,
): NonNullable<HttpAttemptResult['error']> {
  if (deadline.aborted)
    return { kind: 'timeout', message: 'no complete response before the deadline' };
  if (shutdown?.aborted)
    return { kind: 'aborted', message: 'aborted: the worker is shutting down' };
  const cause = error instanceof AxiosError && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown }).code ?? (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case REFUSED_ADDRESS_CODE:
      return { kind: 'refused_url', message: cause instanceof Error ? cause.message : message };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
      return { kind: 'dns', message };
    case CONNECT_TIMEOUT_CODE:
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return { kind: 'timeout', message };
    default:
      return {
        kind: 'connection',
        message: typeof code === 'string' ? `${code}: ${message}` : message,
      };
  }
}
