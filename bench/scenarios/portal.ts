import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ApiKeyStore, startApi } from '@letta-webhooks/api';
import { sql } from 'kysely';
import { pino } from 'pino';
import type { BenchContext } from '../context.js';
import type { Scenario } from '../scenario.js';
import { percentile } from '../stats.js';

const ORGANIZATION = 'org-portal-bench';
const AGENT = 'agent-portal-bench';
const PAGE = 50;
const BUILD = fileURLToPath(new URL('../../packages/api/portal/build.mjs', import.meta.url));

interface Got {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly bytes: number;
  readonly text: string;
  readonly ms: number;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Got> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            bytes: body.length,
            text: body.toString('utf8'),
            ms: performance.now() - started,
          });
        });
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * `count` deliveries of one endpoint (and as many of another of the same
 * organization, so the endpoint filter has to pick), spread over 7 days,
 * one attempt each (1 in 10 failed), written in set-based statements.
 */
async function seed(
  ctx: BenchContext,
  endpointIds: readonly string[],
  count: number,
): Promise<void> {
  for (const [n, endpointId] of endpointIds.entries()) {
    await sql`
      WITH numbered AS (
        SELECT i, 'evt_pb' || ${n} || '_' || lpad(i::text, 8, '0') AS event_id,
               'dlv_pb' || ${n} || '_' || lpad(i::text, 8, '0') AS delivery_id,
               date_trunc('milliseconds', now() - (i * ${(7 * 86_400_000) / count} || ' milliseconds')::interval) AS at
        FROM generate_series(1, ${count}) AS i
      ), events AS (
        INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at, created_at)
        SELECT event_id, 'agent.step.completed', ${ORGANIZATION}, ${AGENT}, ${ctx.body}, at, at FROM numbered
      ), deliveries AS (
        INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id,
                                        status, attempt_count, last_status_code, created_at, completed_at, enqueued_at)
        SELECT delivery_id, event_id, ${endpointId}, 'agent.step.completed', ${ORGANIZATION}, ${AGENT},
               CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END, 1,
               CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END, at, at, at
        FROM numbered
      )
      SELECT 1`.execute(ctx.db);
    await sql`
      INSERT INTO webhook_attempts (delivery_id, attempt_number, outcome, status_code, started_at, duration_ms)
      SELECT id, 1, CASE WHEN status = 'failed' THEN 'retryable' ELSE 'succeeded' END,
             last_status_code, created_at, 5 + (hashtext(id) & 63)
      FROM webhook_deliveries WHERE endpoint_id = ${endpointId}`.execute(ctx.db);
  }
  await sql`ANALYZE webhook_events, webhook_deliveries, webhook_attempts`.execute(ctx.db);
}

/**
 * The web portal: the JavaScript and CSS its first load fetches, compressed
 * as served (target ≤ 150 KB), and the delivery log of one endpoint with
 * 100,000 deliveries (10,000 with --quick) paged through the API with an
 * organization's key, by cursor: first pages, deep pages and a filtered log
 * (target ≤ 100 ms per page, measured as the loopback round trip, an upper
 * bound of the server's time). Also the 24 h / 7 d chart of that endpoint.
 */
export const portal: Scenario = {
  name: 'portal',
  async run(ctx) {
    execFileSync(process.execPath, [BUILD], { stdio: 'ignore' });
    const count = ctx.options.quick ? 10_000 : 100_000;
    const api = await startApi({
      settings: { ...ctx.settings, api: { ...ctx.settings.api, port: 0, host: '127.0.0.1' } },
      logger: pino({ level: 'silent' }),
    });
    try {
      // First load: the page, then the JavaScript and CSS it names, as a browser asks for them.
      const page = await get(`${api.url}/portal`);
      const assets = [...page.text.matchAll(/(?:src|href)="(\/portal\/assets\/[^"]+)"/g)].map(
        (m) => m[1] ?? '',
      );
      if (assets.length !== 2) throw new Error(`the portal page names ${assets.length} assets`);
      const pageGzip = (await get(`${api.url}/portal`, { 'accept-encoding': 'gzip' })).bytes;
      let gzip = 0;
      let brotli = 0;
      for (const asset of assets) {
        gzip += (await get(`${api.url}${asset}`, { 'accept-encoding': 'gzip' })).bytes;
        brotli += (await get(`${api.url}${asset}`, { 'accept-encoding': 'br' })).bytes;
      }
      const kb = gzip / 1024;
      ctx.log(
        `portal first load: ${assets.length} files, JS+CSS ${kb.toFixed(1)} KB gzip (${(brotli / 1024).toFixed(1)} KB brotli), page ${pageGzip} B gzip`,
      );
      ctx.report.figure('portalFirstLoadKbGzip', kb);
      ctx.report.figure('portalFirstLoadKbBrotli', brotli / 1024);
      ctx.report.target('portal first load, JS+CSS gzip', kb, { atMost: 150 }, ' KB', 1);

      // The delivery log of one endpoint with `count` deliveries.
      await ctx.reset();
      const endpoint = async () =>
        (
          await ctx.producer.createEndpoint({
            url: ctx.endpoints.one.urls[0] ?? '',
            organizationId: ORGANIZATION,
            agentId: AGENT,
            eventTypes: ['agent.step.completed'],
          })
        ).id;
      const target = await endpoint();
      const neighbour = await endpoint();
      const seeding = performance.now();
      await seed(ctx, [target, neighbour], count);
      ctx.log(
        `portal: seeded 2 × ${count} deliveries in ${Math.round(performance.now() - seeding)} ms`,
      );
      const { key } = await new ApiKeyStore(ctx.db).create({ organizationId: ORGANIZATION });
      const auth = { authorization: `Bearer ${key}` };
      const list = (query: string) => get(`${api.url}/v1/deliveries?${query}`, auth);
      const walk = async (query: string, pages: number, from?: string) => {
        const times: number[] = [];
        let cursor = from;
        for (let i = 0; i < pages; i++) {
          const got = await list(`${query}&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
          if (got.status !== 200) throw new Error(`GET /v1/deliveries answered ${got.status}`);
          times.push(got.ms);
          const next = (JSON.parse(got.text) as { next_cursor: string | null }).next_cursor;
          if (next === null) break;
          cursor = next;
        }
        return times;
      };
      const byEndpoint = `endpoint_id=${target}`;
      await walk(byEndpoint, 20); // warm-up: connections, caches, JIT
      const first = await walk(byEndpoint, 50);
      // Deep in the log: skip to ~95 % with pages of 500, then time pages of 50 there.
      let deep: string | undefined;
      for (let seen = 0; seen < count * 0.95; seen += 500) {
        const got = await list(`${byEndpoint}&limit=500${deep ? `&cursor=${deep}` : ''}`);
        deep = (JSON.parse(got.text) as { next_cursor: string }).next_cursor;
      }
      const deepPages = await walk(byEndpoint, 50, deep);
      const failed = await walk(`${byEndpoint}&status=failed`, 50);
      const all = [...first, ...deepPages, ...failed];
      const row = (run: string, times: readonly number[]) => {
        ctx.log(
          `portal log, ${run}: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms over ${times.length} pages`,
        );
      };
      row('first pages', first);
      row('pages past 95 %', deepPages);
      row('status=failed', failed);
      ctx.report.figure('portalLogPageP50Ms', percentile(all, 50));
      ctx.report.figure('portalLogPageP99Ms', percentile(all, 99));
      ctx.report.target(
        `delivery log page of ${PAGE}, one endpoint of ${count.toLocaleString('en')} deliveries (p99)`,
        percentile(all, 99),
        { atMost: 100 },
        ' ms',
        1,
      );

      for (const window of ['24h', '7d']) {
        await get(`${api.url}/v1/endpoints/${target}/stats?window=${window}`, auth);
        const times: number[] = [];
        for (let i = 0; i < 5; i++)
          times.push(
            (await get(`${api.url}/v1/endpoints/${target}/stats?window=${window}`, auth)).ms,
          );
        ctx.log(`portal chart ${window}: median ${percentile(times, 50).toFixed(1)} ms`);
        ctx.report.figure(`portalStats${window}Ms`, percentile(times, 50));
      }
    } finally {
      await api.close();
      await ctx.reset();
    }
  },
};
