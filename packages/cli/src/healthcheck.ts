import { readFile } from 'node:fs/promises';
import { loadSettings } from '@letta-webhooks/shared';

/** Which long-lived command a process runs: `api`, or anything else (the worker). */
export function servedCommand(argv: readonly string[]): 'api' | 'worker' {
  const script = argv.findIndex((arg) => arg.endsWith('letta-webhooks.js'));
  return script >= 0 && argv[script + 1] === 'api' ? 'api' : 'worker';
}

/** What {@link healthcheck} asks about. */
export interface HealthcheckOptions {
  /** The checked process's command line. Default: PID 1's, the container's main process. */
  readonly argv?: readonly string[];
  /** Its environment, for its settings. Default: `process.env` (a container's processes share it). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long `/readyz` may take. Default 4 s (the image's HEALTHCHECK allows 5). */
  readonly timeoutMs?: number;
}

/**
 * The container image's HEALTHCHECK: 0 when `/readyz` of what the container
 * runs answers 200 — the HTTP API for `letta-webhooks api`, the worker's
 * admin server otherwise — else 1. It reads the same settings as the checked
 * process, so a port moved by environment variable is the port asked.
 */
export async function healthcheck(options: HealthcheckOptions = {}): Promise<0 | 1> {
  const argv = options.argv ?? (await readFile('/proc/1/cmdline', 'utf8')).split('\0');
  const settings = loadSettings(options.env);
  const listener = servedCommand(argv) === 'api' ? settings.api : settings.admin;
  if (listener === null) return 1; // WEBHOOK_ADMIN_PORT=off: nothing to ask
  const url = new URL('http://127.0.0.1/readyz');
  // A wildcard listener answers on loopback.
  if (!['0.0.0.0', '::'].includes(listener.host))
    url.hostname = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  url.port = String(listener.port);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 4_000) });
    return response.ok ? 0 : 1;
  } catch {
    return 1;
  }
}
