import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { AddressGuard } from '@letta-webhooks/shared';
import { Axios, AxiosError } from 'axios';
import type { HttpAttemptResult } from './attempt-result.js';
import { CONNECT_TIMEOUT_CODE, limitConnectTime } from './connect-timeout.js';
import { REFUSED_ADDRESS_CODE, guardedLookup } from './guarded-lookup.js';
import { readExcerpt } from './read-excerpt.js';

// axios sets TCP keep-alive with a 60 s delay on every request's socket; an
// agent asking for the same delay lets Node skip the four setsockopt calls
// each disagreeing call made (twice per request with Node's default of 1 s).
const KEEP_ALIVE_DELAY_MS = 60_000;

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
  readonly #client: Axios;
  readonly #agents: readonly [http.Agent, https.Agent];
  readonly #timeoutMs: number;
  readonly #excerptBytes: number;

  constructor(options: WebhookSenderOptions) {
    const lookup = guardedLookup(options.guard);
    const agentOptions = {
      keepAlive: true,
      keepAliveMsecs: KEEP_ALIVE_DELAY_MS,
      maxSockets: options.maxSocketsPerHost ?? 64,
      lookup,
    };
    const httpAgent = new http.Agent(agentOptions);
    const httpsAgent = new https.Agent(agentOptions);
    limitConnectTime(httpAgent, options.connectTimeoutMs);
    limitConnectTime(httpsAgent, options.connectTimeoutMs);
    this.#agents = [httpAgent, httpsAgent];
    this.#timeoutMs = options.timeoutMs;
    this.#excerptBytes = options.excerptBytes;
    // `new Axios` rather than `axios.create`: the instance holds only these
    // settings, so the merge of defaults axios runs on every request has
    // little to walk (no global defaults, no per-method header buckets).
    this.#client = new Axios({
      adapter: 'http',
      method: 'post',
      httpAgent,
      httpsAgent,
      proxy: false,
      maxRedirects: 0,
      responseType: 'stream',
      // Every status is an outcome to classify, not an error.
      validateStatus: null,
      decompress: true,
      // The deadline bounds the exchange; these stop axios buffering or transforming anything.
      maxContentLength: -1,
      maxBodyLength: -1,
      transformRequest: [],
      transformResponse: [],
      headers: {},
    });
  }

  /** POSTs `request.body` and reports what happened. */
  async send(request: SendRequest): Promise<HttpAttemptResult> {
    const startedAt = new Date();
    const started = performance.now();
    // One controller and one timer per attempt: the deadline and shutdown both abort it.
    const controller = new AbortController();
    let timedOut = false;
    // The reasons are what a cut-short response body reports.
    const deadline = setTimeout(() => {
      timedOut = true;
      controller.abort('deadline reached while reading the response body');
    }, this.#timeoutMs);
    const shutdown = request.signal;
    const onShutdown = () => {
      controller.abort('the worker is shutting down');
    };
    if (shutdown?.aborted) onShutdown();
    else shutdown?.addEventListener('abort', onShutdown, { once: true });
    const elapsed = () => Math.round(performance.now() - started);
    try {
      let response;
      try {
        response = await this.#client.request<Readable>({
          url: request.url,
          data: request.body,
          headers: request.headers,
          signal: controller.signal,
        });
      } catch (error) {
        return {
          startedAt,
          durationMs: elapsed(),
          truncated: false,
          error: describeError(error, timedOut, shutdown?.aborted === true),
        };
      }
      const read = await readExcerpt(
        response.data,
        response,
        this.#excerptBytes,
        controller.signal,
      );
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
    } finally {
      clearTimeout(deadline);
      shutdown?.removeEventListener('abort', onShutdown);
    }
  }

  /** Closes every pooled socket. */
  close(): void {
    for (const agent of this.#agents) agent.destroy();
  }
}

function describeError(
  error: unknown,
  timedOut: boolean,
  shutDown: boolean,
): NonNullable<HttpAttemptResult['error']> {
  if (timedOut) return { kind: 'timeout', message: 'no complete response before the deadline' };
  if (shutDown) return { kind: 'aborted', message: 'aborted: the worker is shutting down' };
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
