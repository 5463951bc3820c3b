import type { FaultScenario } from '../scenario.js';
import { publishBurst } from '../support/publisher.js';
import { sql } from 'kysely';

const BAD = ['/slow', '/hang', '/midbody', '/reset', '/garbage'] as const;

/**
 * Receivers that are slow, hang, stop mid-body, reset the connection or
 * answer garbage, beside a healthy one: deadlines hold, the worker stays up,
 * the healthy endpoint's deliveries all arrive, the bad ones settle as failed.
 */
export const misbehavingReceivers: FaultScenario = {
  name: 'misbehaving receivers',
  async run(ctx) {
    const stage = await ctx.stage({
      // Short breaker cooldown: the bad endpoints' deliveries get their two attempts within the scenario.
      env: { WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_BREAKER_COOLDOWN_MS: '500' },
    });
    const started = Date.now();
    try {
      await stage.endpoint('/ok', 'agent-f');
      const raw = (handle: Parameters<typeof ctx.receiver.route>[2] & { kind: 'raw' }) => handle;
      await stage.endpoint(
        '/slow',
        'agent-slow',
        raw({
          kind: 'raw',
          handle: (_req, res) => setTimeout(() => res.writeHead(200).end(), 3_000),
        }),
      );
      await stage.endpoint('/hang', 'agent-hang', raw({ kind: 'raw', handle: () => undefined }));
      await stage.endpoint(
        '/midbody',
        'agent-midbody',
        raw({
          kind: 'raw',
          handle: (_req, res) => {
            res.writeHead(200, { 'Content-Length': '100' });
            res.write('partial');
          },
        }),
      );
      await stage.endpoint(
        '/reset',
        'agent-reset',
        raw({ kind: 'raw', handle: (req) => req.socket.destroy() }),
      );
      await stage.endpoint(
        '/garbage',
        'agent-garbage',
        raw({
          kind: 'raw',
          handle: (req) => {
            req.socket.end('HTTP/1.1 ???\r\nnot a header\r\n\r\n');
          },
        }),
      );
      const worker = stage.startWorker();
      const bad = [];
      for (const path of BAD)
        bad.push(...(await publishBurst(stage.producer, 20, `agent${path.replace('/', '-')}`)));
      const good = await publishBurst(stage.producer, Math.min(ctx.n, 2_000), 'agent-f');
      const badIds = bad.flatMap((r) => r.deliveryIds);
      await stage.settle([...badIds, ...good.flatMap((r) => r.deliveryIds)], 180_000);
      const kinds = await sql<{ error_kind: string; n: string }>`
        SELECT coalesce(error_kind, 'none') AS error_kind, count(*) AS n FROM webhook_attempts
        WHERE delivery_id = ANY(${badIds}) GROUP BY 1 ORDER BY 1
      `.execute(ctx.db);
      const { rows } = await sql<{ n: string }>`
        SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'pending' AND id = ANY(${badIds})
      `.execute(ctx.db);
      const settledBad = Number(rows[0]?.n ?? 0);
      const alive = worker.child.exitCode === null;
      // The mid-body 2xx counts as delivered: its deliveries are expected to succeed or fail alike.
      const contract = await stage.check([...good, ...bad], {
        duplicates: 0,
        expectedFailures: badIds,
      });
      return {
        contract,
        allowedDuplicates: 0,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        ok: contract.ok && alive && settledBad === badIds.length,
        notes: `worker alive: ${alive}; ${settledBad}/${badIds.length} bad deliveries settled; attempts by error: ${kinds.rows.map((r) => `${r.error_kind} ${r.n}`).join(', ')}`,
      };
    } finally {
      await stage.close();
    }
  },
};
