import { Socket, createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultScenario } from '../scenario.js';
import { underLoad } from './under-load.js';

/** A TCP proxy to Postgres that can be cut (every connection dropped, new ones refused). */
class CuttableProxy {
  readonly #target: URL;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(target: URL) {
    this.#target = target;
  }

  async open(): Promise<void> {
    this.#server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(Number(this.#target.port || 5432), this.#target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.#sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    // close() waits for open connections to end: cut them at the same time.
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    for (const s of this.#sockets) s.destroy();
    await closed;
    this.#server = undefined;
  }
}

/**
 * Workers reach Postgres through a proxy that is cut for 10 s mid-load; the
 * producer keeps its direct connection, so publishing goes on.
 */
export const postgresCut: FaultScenario = {
  name: 'Postgres cut 10 s',
  async run(ctx) {
    const proxy = new CuttableProxy(new URL(ctx.databaseUrl));
    await proxy.open();
    const proxied = new URL(ctx.databaseUrl);
    proxied.port = String(proxy.port);
    try {
      return await underLoad(ctx, {
        workers: 0,
        async fault() {
          await proxy.cut();
          await sleep(10_000);
          await proxy.open();
          return { notes: 'the workers’ Postgres connections cut and refused for 10 s' };
        },
        beforeBurst: (stage) => {
          for (let i = 0; i < 2; i++) stage.startWorker({ DATABASE_URL: proxied.toString() });
        },
      });
    } finally {
      await proxy.cut();
    }
  },
};
