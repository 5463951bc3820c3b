import {
  createProducer,
  type Endpoint,
  type EndpointHealth,
  type Producer,
} from '@letta-webhooks/producer';
import { WebhookError, loadSettings } from '@letta-webhooks/shared';
import type { Command } from 'commander';
import { formatTable } from './format-table.js';
import { settlesWithin } from '../settles-within.js';
import { parseDuration, parseSince } from './parse-time.js';

// Longest a command waits for its connections to close once its work is done.
const CLOSE_MS = 2_000;

/** Where command output goes; tests capture it. */
export interface Output {
  readonly json: boolean;
  write(text: string): void;
}

function badInput(field: string, message: string): WebhookError {
  return new WebhookError({ code: 'INVALID_INPUT', field, message: `${field}: ${message}` });
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function keyValues(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const entries = pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw badInput('metadata', `"${pair}" is not key=value`);
    return [pair.slice(0, at), pair.slice(at + 1)] as const;
  });
  return Object.fromEntries(entries);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function bool(field: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badInput(field, 'must be true or false');
}

function int(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badInput(field, 'must be a whole number');
  return Number(value);
}

function since(value: string): Date {
  const date = parseSince(value);
  if (!date) throw badInput('since', 'must be an ISO time or a duration such as 24h');
  return date;
}

const endpointColumns = [
  'id',
  'organizationId',
  'agentId',
  'url',
  'eventTypes',
  'enabled',
  'disabledReason',
];

function endpointRow(endpoint: Endpoint): Record<string, unknown> {
  return {
    ...endpoint,
    agentId: endpoint.agentId ?? '(all)',
    eventTypes: endpoint.eventTypes.join(','),
  };
}

/** Adds the operator commands (endpoints, deliveries, resend, recover) to the program. */
export function addOperatorCommands(program: Command, output: () => Output): void {
  async function run(action: (producer: Producer, out: Output) => Promise<void>): Promise<void> {
    const producer = createProducer({ settings: loadSettings() });
    try {
      await action(producer, output());
    } finally {
      // Bounded: a command that never needed Redis must not wait for it to close.
      await settlesWithin(producer.close(), CLOSE_MS);
    }
  }
  function show(out: Output, value: unknown, text: () => string): void {
    out.write(out.json ? JSON.stringify(value, null, 2) : text());
  }

  const endpoints = program.command('endpoints').description('manage webhook endpoints');
  endpoints
    .command('create')
    .description('register an endpoint; prints its secret once')
    .requiredOption('--url <url>', 'where deliveries are POSTed')
    .requiredOption('--org <organizationId>', 'owning organization')
    .option('--agent <agentId>', 'only this agent (default: every agent of the organization)')
    .requiredOption('--events <types>', 'comma-separated: exact types, prefixes like agent.*, or *')
    .option('--description <text>')
    .option('--metadata <key=value>', 'repeatable', collect)
    .option('--secret <whsec>', 'use this secret instead of a new one')
    .action((o: Record<string, string | string[] | undefined>) =>
      run(async (producer, out) => {
        const metadata = keyValues(o.metadata as string[] | undefined);
        const created = await producer.createEndpoint({
          url: o.url as string,
          organizationId: o.org as string,
          eventTypes: list(o.events as string),
          ...(o.agent === undefined ? {} : { agentId: o.agent as string }),
          ...(o.description === undefined ? {} : { description: o.description as string }),
          ...(metadata === undefined ? {} : { metadata }),
          ...(o.secret === undefined ? {} : { secret: o.secret as string }),
        });
        show(
          out,
          created,
          () =>
            `${formatTable([endpointRow(created)], endpointColumns)}\nsecret: ${created.secret}`,
        );
      }),
    );
  endpoints
    .command('list')
    .description('list endpoints, oldest first')
    .option('--org <organizationId>')
    .option('--agent <agentId>')
    .option('--enabled <bool>', 'true or false')
    .option('--limit <n>', 'page size (default 50)')
    .option('--cursor <cursor>', 'next page, from a previous listing')
    .action((o: Record<string, string | undefined>) =>
      run(async (producer, out) => {
        const enabled = bool('enabled', o.enabled);
        const limit = int('limit', o.limit);
        const page = await producer.listEndpoints({
          ...(o.org === undefined ? {} : { organizationId: o.org }),
          ...(o.agent === undefined ? {} : { agentId: o.agent }),
          ...(enabled === undefined ? {} : { enabled }),
          ...(limit === undefined ? {} : { limit }),
          ...(o.cursor === undefined ? {} : { cursor: o.cursor }),
        });
        show(out, page, () => {
          const table = formatTable(page.data.map(endpointRow), endpointColumns);
          return page.nextCursor ? `${table}\nnext page: --cursor ${page.nextCursor}` : table;
        });
      }),
    );
  endpoints
    .command('show <id>')
    .description('one endpoint and its health')
    .option('--reveal-secret', 'also print the current secret')
    .action((id: string, o: { revealSecret?: boolean }) =>
      run(async (producer, out) => {
        const endpoint = await producer.getEndpoint(id);
        if (!endpoint)
          throw new WebhookError({
            code: 'NOT_FOUND',
            field: 'id',
            message: `endpoint ${id} does not exist`,
          });
        // The endpoint's own fields once: its health repeats the id as endpointId.
        const health: Partial<Record<keyof EndpointHealth, unknown>> = {
          ...(await producer.getEndpointHealth(id)),
        };
        delete health.endpointId;
        const secret = o.revealSecret ? { secret: await producer.getEndpointSecret(id) } : {};
        const value = { ...endpoint, health, ...secret };
        show(out, value, () =>
          formatTable(
            Object.entries({ ...endpointRow(endpoint), ...health, ...secret }).map(
              ([field, v]) => ({ field, value: v }),
            ),
          ),
        );
      }),
    );
  endpoints
    .command('update <id>')
    .description('change URL, event types, description or metadata')
    .option('--url <url>')
    .option('--events <types>')
    .option('--description <text>')
    .option('--metadata <key=value>', 'repeatable; replaces all metadata', collect)
    .action((id: string, o: Record<string, string | string[] | undefined>) =>
      run(async (producer, out) => {
        const metadata = keyValues(o.metadata as string[] | undefined);
        const updated = await producer.updateEndpoint(id, {
          ...(o.url === undefined ? {} : { url: o.url as string }),
          ...(o.events === undefined ? {} : { eventTypes: list(o.events as string) }),
          ...(o.description === undefined ? {} : { description: o.description as string }),
          ...(metadata === undefined ? {} : { metadata }),
        });
        show(out, updated, () => formatTable([endpointRow(updated)], endpointColumns));
      }),
    );
  endpoints
    .command('rotate-secret <id>')
    .description('replace the secret; the old one keeps signing during the overlap')
    .option(
      '--overlap <duration>',
      'e.g. 24h (default), 30m, or 0 to revoke the old secret at once',
    )
    .action((id: string, o: { overlap?: string }) =>
      run(async (producer, out) => {
        const overlapMs = o.overlap === undefined ? undefined : parseDuration(o.overlap);
        if (o.overlap !== undefined && overlapMs === undefined)
          throw badInput('overlap', 'must be a duration such as 24h or 0');
        const rotated = await producer.rotateEndpointSecret(
          id,
          overlapMs === undefined ? {} : { overlapMs },
        );
        show(out, rotated, () =>
          [
            `secret: ${rotated.secret}`,
            `old secret valid until: ${rotated.previousValidUntil?.toISOString() ?? 'revoked'}`,
          ].join('\n'),
        );
      }),
    );
  endpoints
    .command('disable <id>')
    .description('stop deliveries to an endpoint; its pending deliveries are cancelled')
    .option('--reason <text>', 'recorded with the endpoint', 'disabled by operator')
    .action((id: string, o: { reason: string }) =>
      run(async (producer, out) => {
        const endpoint = await producer.disableEndpoint(id, o.reason);
        show(out, endpoint, () => formatTable([endpointRow(endpoint)], endpointColumns));
      }),
    );
  endpoints
    .command('enable <id>')
    .description('resume deliveries to an endpoint')
    .action((id: string) =>
      run(async (producer, out) => {
        const endpoint = await producer.enableEndpoint(id);
        show(out, endpoint, () => formatTable([endpointRow(endpoint)], endpointColumns));
      }),
    );
  endpoints
    .command('delete <id>')
    .description('delete an endpoint; its pending deliveries are cancelled')
    .action((id: string) =>
      run(async (producer, out) => {
        await producer.deleteEndpoint(id);
        show(out, { deleted: id }, () => `deleted ${id}`);
      }),
    );

  const deliveries = program.command('deliveries').description('inspect the delivery log');
  deliveries
    .command('list')
    .description('list deliveries, newest first')
    .option('--endpoint <endpointId>')
    .option('--agent <agentId>')
    .option('--org <organizationId>')
    .option('--status <status>', 'pending, succeeded, failed or cancelled')
    .option('--event-type <type>')
    .option('--since <time>', 'ISO time or duration ago, e.g. 24h')
    .option('--until <time>', 'ISO time or duration ago')
    .option('--limit <n>', 'page size (default 50)')
    .option('--cursor <cursor>')
    .action((o: Record<string, string | undefined>) =>
      run(async (producer, out) => {
        const limit = int('limit', o.limit);
        const page = await producer.listDeliveries({
          ...(o.endpoint === undefined ? {} : { endpointId: o.endpoint }),
          ...(o.agent === undefined ? {} : { agentId: o.agent }),
          ...(o.org === undefined ? {} : { organizationId: o.org }),
          ...(o.status === undefined ? {} : { status: o.status as 'pending' }),
          ...(o.eventType === undefined
            ? {}
            : { eventType: o.eventType as 'agent.step.completed' }),
          ...(o.since === undefined ? {} : { since: since(o.since) }),
          ...(o.until === undefined ? {} : { until: since(o.until) }),
          ...(limit === undefined ? {} : { limit }),
          ...(o.cursor === undefined ? {} : { cursor: o.cursor }),
        });
        show(out, page, () => {
          const table = formatTable(page.data, [
            'id',
            'eventType',
            'endpointId',
            'status',
            'attemptCount',
            'lastStatusCode',
            'createdAt',
          ]);
          return page.nextCursor ? `${table}\nnext page: --cursor ${page.nextCursor}` : table;
        });
      }),
    );
  deliveries
    .command('show <id>')
    .description('one delivery with every attempt')
    .action((id: string) =>
      run(async (producer, out) => {
        const delivery = await producer.getDelivery(id);
        if (!delivery)
          throw new WebhookError({
            code: 'NOT_FOUND',
            field: 'id',
            message: `delivery ${id} does not exist`,
          });
        show(out, delivery, () => {
          const { attempts, body, ...summary } = delivery;
          return [
            formatTable(Object.entries(summary).map(([field, value]) => ({ field, value }))),
            '',
            formatTable(attempts, [
              'attemptNumber',
              'trigger',
              'startedAt',
              'statusCode',
              'outcome',
              'durationMs',
              'errorKind',
              'errorMessage',
            ]),
            '',
            `body: ${body}`,
          ].join('\n');
        });
      }),
    );

  program
    .command('stats')
    .description("queue depths and the last minute's attempt outcomes")
    .option('--window <seconds>', 'how far back to count attempts (default 60)')
    .action((o: { window?: string }) =>
      run(async (producer, out) => {
        const window = int('window', o.window);
        const stats = await producer.getStats(window);
        show(out, stats, () =>
          [
            formatTable(Object.entries(stats.queue).map(([state, jobs]) => ({ state, jobs }))),
            '',
            `attempts in the last ${stats.windowSeconds} s`,
            formatTable(stats.attempts),
          ].join('\n'),
        );
      }),
    );
  program
    .command('secrets')
    .description('encryption of secrets at rest')
    .command('reseal')
    .description(
      're-encrypt every stored secret with the current key of WEBHOOK_SECRET_ENCRYPTION_KEYS',
    )
    .action(() =>
      run(async (producer, out) => {
        const result = await producer.resealSecrets();
        show(out, result, () => `${result.resealed} rows re-encrypted`);
      }),
    );
  program
    .command('resend <deliveryId>')
    .description('send one delivery again (same event id and body, fresh signature)')
    .action((deliveryId: string) =>
      run(async (producer, out) => {
        const result = await producer.resendDelivery(deliveryId);
        show(out, result, () => `resend of ${deliveryId} enqueued`);
      }),
    );
  program
    .command('recover <endpointId>')
    .description("send again an endpoint's failed deliveries created since a time")
    .requiredOption('--since <time>', 'ISO time or duration ago, e.g. 24h')
    .option('--limit <n>', 'at most this many (default 10000)')
    .action((endpointId: string, o: { since: string; limit?: string }) =>
      run(async (producer, out) => {
        const limit = int('limit', o.limit);
        const result = await producer.recoverEndpoint(endpointId, {
          since: since(o.since),
          ...(limit === undefined ? {} : { limit }),
        });
        show(out, result, () => `${result.enqueued} failed deliveries re-enqueued`);
      }),
    );
}
