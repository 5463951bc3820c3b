import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './private-redis.js';

const run = promisify(execFile);

/** A throwaway Redis Cluster of three masters on loopback. */
export interface LocalCluster {
  /** `127.0.0.1:port,…`, the REDIS_CLUSTER_NODES value. */
  readonly nodes: string;
  stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () =>
      server.close(() => {
        resolve(true);
      }),
    );
  });
}

async function redisCli(...args: string[]): Promise<string> {
  return (await run('redis-cli', args, { timeout: 30_000 })).stdout;
}

/** Starts three `redis-server --cluster-enabled yes` processes and joins them into a cluster. */
export async function startRedisCluster(): Promise<LocalCluster> {
  const dir = await mkdtemp(`${tmpdir()}/lw-cluster-`);
  const ports: number[] = [];
  while (ports.length < 3) {
    const port = await freePort();
    // Each node also listens on its cluster bus port, port + 10000.
    if (port < 55_000 && !ports.includes(port) && (await isFree(port + 10_000))) ports.push(port);
  }
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `${dir}/nodes-${port}.conf`,
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    for (const server of servers) server.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const pong = await redisCli('-p', String(port), 'ping').catch(() => '');
        if (pong.trim() === 'PONG') break;
        if (i > 300) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    await redisCli(
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    );
    for (const port of ports) {
      for (let i = 0; ; i++) {
        if ((await redisCli('-p', String(port), 'cluster', 'info')).includes('cluster_state:ok'))
          break;
        if (i > 200) throw new Error('the cluster did not become ready');
        await sleep(50);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), stop };
}
