import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A redis-server of the caller's own on a free loopback port, to break at will. */
export interface PrivateRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** Runs `redis-cli -p PORT …args` and returns its output, trimmed. */
  cli(...args: string[]): Promise<string>;
  /** Kills the server (SIGKILL: nothing saved) and waits for it to exit. */
  kill(): Promise<void>;
  /** Stops it cleanly (SHUTDOWN: it persists what it is configured to) and waits for it to exit. */
  shutdown(): Promise<void>;
  /** Starts it again on the same port, with the same arguments (and data, when it persists). */
  restart(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Starts `redis-server` on a free port with nothing kept on disk unless
 * `args` says so (e.g. `--appendonly yes`), plus `args` (e.g.
 * `--maxmemory-policy allkeys-lru`). Never the shared Redis.
 */
export async function startPrivateRedis(args: readonly string[] = []): Promise<PrivateRedis> {
  const dir = await mkdtemp(`${tmpdir()}/lw-redis-`);
  const port = await freePort();
  const argv = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    ...args,
  ];
  const cli = async (...command: string[]) =>
    (await run('redis-cli', ['-p', String(port), ...command], { timeout: 30_000 })).stdout.trim();
  let server = spawn('redis-server', argv, { stdio: 'ignore' });
  let exited = once(server, 'exit');
  const start = async () => {
    server = spawn('redis-server', argv, { stdio: 'ignore' });
    exited = once(server, 'exit');
    await ready();
  };
  const ready = async () => {
    for (let i = 0; ; i++) {
      if ((await cli('ping').catch(() => '')) === 'PONG') return;
      if (server.exitCode !== null || i > 200)
        throw new Error(`redis-server on ${port} did not start`);
      await sleep(25);
    }
  };
  const kill = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await ready();
  } catch (error) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli,
    kill,
    async shutdown() {
      await cli('shutdown').catch(() => '');
      if (server.exitCode === null && server.signalCode === null) await exited;
    },
    restart: start,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
