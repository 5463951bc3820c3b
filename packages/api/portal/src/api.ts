import type { Page } from './wire.js';

/** The portal's API: the `/v1` routes, behind the session cookie. */
const BASE = '/portal/api/v1';

/** An error answer of the API. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;

  constructor(status: number, code: string, message: string, field: string | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** Called when the session has ended (any 401). */
let onSessionEnded: () => void = () => undefined;

/** Sets what happens when the session ends. */
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; field?: string | null } })
      ?.error;
    if (response.status === 401 && path.startsWith(BASE)) onSessionEnded();
    throw new ApiError(
      response.status,
      error?.code ?? 'HTTP_ERROR',
      error?.message ?? `HTTP ${response.status}`,
      error?.field ?? null,
    );
  }
  return parsed as T;
}

/** A query string from the defined values of `query`. */
export function queryString(query: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Calls the portal's API (paths as under `/v1`). */
export const api = {
  get: <T>(path: string) => request<T>('GET', BASE + path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', BASE + path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', BASE + path, body),
  delete: (path: string) => request<undefined>('DELETE', BASE + path),
  /** Every page of a listing, up to `max` items. */
  async all<T>(path: string, max = 1_000): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page: Page<T> = await request<Page<T>>(
        'GET',
        BASE +
          path +
          (cursor === null
            ? `${sep}limit=200`
            : `${sep}limit=200&cursor=${encodeURIComponent(cursor)}`),
      );
      items.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor !== null && items.length < max);
    return items;
  },
};

/** Exchanges a link's one-time token for the session cookie. */
export function openSession(token: string): Promise<unknown> {
  return request('POST', '/portal/api/session', { token });
}

/** Ends the session. */
export function closeSession(): Promise<unknown> {
  return request('DELETE', '/portal/api/session');
}
