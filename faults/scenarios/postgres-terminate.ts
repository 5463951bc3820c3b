import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { FAULTS_DATABASE } from '../context.js';
import type { FaultScenario } from '../scenario.js';
import { underLoad } from './under-load.js';

/**
 * Postgres connections killed again and again mid-load (`pg_terminate_backend`
 * every 500 ms for 10 s) — only the fault suite's own database's backends,
 * and never the suite's own checker pool.
 */
export const postgresTerminate: FaultScenario = {
  name: 'Postgres backends killed',
  run: (ctx) =>
    underLoad(ctx, {
      async fault() {
        let killed = 0;
        const until = Date.now() + 10_000;
        while (Date.now() < until) {
          const { rows } = await sql<{ n: string }>`
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
            WHERE datname = ${FAULTS_DATABASE} AND pid <> pg_backend_pid()
              AND application_name <> 'lw-faults-checker'
          `.execute(ctx.db);
          killed += Number(rows[0]?.n ?? 0);
          await sleep(500);
        }
        return { notes: `${killed} backends of workers and producer terminated over 10 s` };
      },
    }),
};
