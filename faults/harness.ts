// Shared parts of the fault suite: real worker processes (the compiled CLI),
// a receiver that counts what it got, and the no-loss check.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';

const BIN = fileURLToPath(new URL('../packages/worker/bin/letta-webhooks.js', import.meta.url));

/** A worker process running `letta-webhooks worker`. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/** Starts `letta-webhooks worker` with these environment variables. */
export function startWorker(env: Readonly<Record<string, string>>): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited };
}

/** What the receiver does with a request to a path. */
export type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

/** A receiver on loopback that counts deliveries by delivery id. */
export interface CountingReceiver {
  readonly port: number;
  /** Times each delivery id arrived (answered 2xx). */
  readonly counts: Map<string, number>;
  on(path: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

/** Starts a receiver: 204 by default, or a behaviour per path. */
export async function startCountingReceiver(): Promise<CountingReceiver> {
  const counts = new Map<string, number>();
  const behaviours = new Map<string, Behaviour>();
  const server = createServer((req, res) => {
    const behaviour = behaviours.get(req.url ?? '/');
    if (behaviour) {
      behaviour(req, res);
      return;
    }
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['x-letta-delivery-id']);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    on: (path, behaviour) => behaviours.set(path, behaviour),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** How a scenario ended. */
export interface Outcome {
  readonly scenario: string;
  readonly published: number;
  readonly reachedReceiver: number;
  readonly lost: number;
  readonly succeededInPostgres: number;
  readonly doubleSuccessRecords: number;
  readonly duplicatesAtReceiver: number;
  readonly seconds: number;
  readonly notes: string;
  readonly ok: boolean;
}

/** Polls until every delivery in `ids` is `succeeded` in Postgres, or `timeoutMs` passes. */
export async function waitForSucceeded(
  db: Kysely<Database>,
  ids: readonly string[],
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded' AND id = ANY(${ids})
    `.execute(db);
    const done = Number(rows[0]?.n ?? 0);
    if (done >= ids.length || Date.now() > deadline) return done;
    await sleep(200);
  }
}

/** Checks the no-loss contract for `ids` and counts duplicates. */
export async function check(
  scenario: string,
  db: Kysely<Database>,
  receiver: CountingReceiver,
  ids: readonly string[],
  started: number,
  notes: string,
  extraOk = true,
): Promise<Outcome> {
  const { rows } = await sql<{ succeeded: string; doubles: string }>`
    SELECT
      (SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded' AND id = ANY(${ids})) AS succeeded,
      (SELECT count(*) FROM (
        SELECT delivery_id FROM webhook_attempts WHERE outcome = 'succeeded' AND delivery_id = ANY(${ids})
        GROUP BY delivery_id HAVING count(*) > 1) d) AS doubles
  `.execute(db);
  const reached = ids.filter((id) => (receiver.counts.get(id) ?? 0) > 0).length;
  const duplicates = ids.reduce(
    (sum, id) => sum + Math.max(0, (receiver.counts.get(id) ?? 0) - 1),
    0,
  );
  const succeeded = Number(rows[0]?.succeeded ?? 0);
  const lost = ids.length - Math.min(reached, succeeded);
  return {
    scenario,
    published: ids.length,
    reachedReceiver: reached,
    lost,
    succeededInPostgres: succeeded,
    doubleSuccessRecords: Number(rows[0]?.doubles ?? 0),
    duplicatesAtReceiver: duplicates,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    notes,
    ok: lost === 0 && extraOk,
  };
}
