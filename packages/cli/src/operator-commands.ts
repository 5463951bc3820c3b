import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Endpoint, EndpointHealth, Producer } from '@letta-webhooks/producer';
import { WebhookError, loadSettings, parseOrThrow, withTimeout } from '@letta-webhooks/shared';
import { formatTable } from './format-table.js';
import { bool, int, keyValue, list, overlap, since } from './option-parsers.js';
import { show, type Output } from './output.js';

// Longest a command waits for its connections to close once its work is done.
const CLOSE_MS = 2_000;

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

/** One endpoint as the table the endpoint commands print. */
const endpointTable = (endpoint: Endpoint): string =>
  formatTable([endpointRow(endpoint)], endpointColumns);

/** Adds the operator commands (endpoints, deliveries, stats, secrets, resend, recover) to the program. */
export function addOperatorCommands(program: CommandUnknownOpts, output: () => Output): void {
  async function run(action: (producer: Producer, out: Output) => Promise<void>): Promise<void> {
    // Loaded on demand, like every command's implementation: --help and the other commands start faster.
    const { createProducer } = await import('@letta-webhooks/producer');
    const producer = createProducer({ settings: loadSettings() });
    try {
      await action(producer, output());
    } finally {
      // Bounded: a command that never needed Redis must not wait for it to close.
      await withTimeout(producer.close(), CLOSE_MS);
    }
  }

  const endpoints = program.command('endpoints').description('manage webhook endpoints');
  endpoints
    .command('create')
    .description('register an endpoint; prints its secret once')
    .requiredOption('--url <url>', 'where deliveries are POSTed')
    .requiredOption('--org <organizationId>', 'owning organization')
    .option('--agent <agentId>', 'only this agent (default: every agent of the organization)')
    .requiredOption(
      '--events <types>',
      'comma-separated: exact types, prefixes like agent.*, or *',
      list,
    )
    .option('--description <text>')
    .option('--metadata <key=value>', 'repeatable', keyValue)
    .option('--secret <whsec>', 'use this secret instead of a new one')
    .action((o) =>
      run(async (producer, out) => {
        const created = await producer.createEndpoint({
          url: o.url,
          organizationId: o.org,
          eventTypes: o.events,
          ...(o.agent === undefined ? {} : { agentId: o.agent }),
          ...(o.description === undefined ? {} : { description: o.description }),
          ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
          ...(o.secret === undefined ? {} : { secret: o.secret }),
        });
        show(out, created, () => `${endpointTable(created)}\nsecret: ${created.secret}`);
      }),
    );
  endpoints
    .command('list')
    .description('list endpoints, oldest first')
    .option('--org <organizationId>')
    .option('--agent <agentId>')
    .option('--enabled <bool>', 'true or false', bool('enabled'))
    .option('--limit <n>', 'page size (default 50)', int('limit'))
    .option('--cursor <cursor>', 'next page, from a previous listing')
    .action((o) =>
      run(async (producer, out) => {
        const page = await producer.listEndpoints({
          ...(o.org === undefined ? {} : { organizationId: o.org }),
          ...(o.agent === undefined ? {} : { agentId: o.agent }),
          ...(o.enabled === undefined ? {} : { enabled: o.enabled }),
          ...(o.limit === undefined ? {} : { limit: o.limit }),
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
    .action((id, o) =>
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
    .option('--events <types>', '', list)
    .option('--description <text>')
    .option('--metadata <key=value>', 'repeatable; replaces all metadata', keyValue)
    .action((id, o) =>
      run(async (producer, out) => {
        const updated = await producer.updateEndpoint(id, {
          ...(o.url === undefined ? {} : { url: o.url }),
          ...(o.events === undefined ? {} : { eventTypes: o.events }),
          ...(o.description === undefined ? {} : { description: o.description }),
          ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
        });
        show(out, updated, () => endpointTable(updated));
      }),
    );
  endpoints
    .command('rotate-secret <id>')
    .description('replace the secret; the old one keeps signing during the overlap')
    .option(
      '--overlap <duration>',
      'e.g. 24h (default), 30m, or 0 to revoke the old secret at once',
      overlap,
    )
    .action((id, o) =>
      run(async (producer, out) => {
        const rotated = await producer.rotateEndpointSecret(
          id,
          o.overlap === undefined ? {} : { overlapMs: o.overlap },
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
    .action((id, o) =>
      run(async (producer, out) => {
        const endpoint = await producer.disableEndpoint(id, o.reason);
        show(out, endpoint, () => endpointTable(endpoint));
      }),
    );
  endpoints
    .command('enable <id>')
    .description('resume deliveries to an endpoint')
    .action((id) =>
      run(async (producer, out) => {
        const endpoint = await producer.enableEndpoint(id);
        show(out, endpoint, () => endpointTable(endpoint));
      }),
    );
  endpoints
    .command('delete <id>')
    .description('delete an endpoint; its pending deliveries are cancelled')
    .action((id) =>
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
    .option('--since <time>', 'ISO time or duration ago, e.g. 24h', since)
    .option('--until <time>', 'ISO time or duration ago', since)
    .option('--limit <n>', 'page size (default 50)', int('limit'))
    .option('--cursor <cursor>')
    .action((o) =>
      run(async (producer, out) => {
        // The producer's own filter schema types --status and --event-type (same errors as its own check).
        const { listDeliveriesInputSchema } = await import('@letta-webhooks/producer');
        const filters = parseOrThrow(
          listDeliveriesInputSchema,
          {
            endpointId: o.endpoint,
            agentId: o.agent,
            organizationId: o.org,
            status: o.status,
            eventType: o.eventType,
            since: o.since,
            until: o.until,
            limit: o.limit,
            cursor: o.cursor,
          },
          { what: 'delivery filters' },
        );
        const page = await producer.listDeliveries(filters);
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
    .action((id) =>
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
    .option('--window <seconds>', 'how far back to count attempts (default 60)', int('window'))
    .action((o) =>
      run(async (producer, out) => {
        const stats = await producer.getStats(o.window);
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
    .action((deliveryId) =>
      run(async (producer, out) => {
        const result = await producer.resendDelivery(deliveryId);
        show(out, result, () => `resend of ${deliveryId} enqueued`);
      }),
    );
  program
    .command('recover <endpointId>')
    .description("send again an endpoint's failed deliveries created since a time")
    .requiredOption('--since <time>', 'ISO time or duration ago, e.g. 24h', since)
    .option('--limit <n>', 'at most this many (default 10000)', int('limit'))
    .action((endpointId, o) =>
      run(async (producer, out) => {
        const result = await producer.recoverEndpoint(endpointId, {
          since: o.since,
          ...(o.limit === undefined ? {} : { limit: o.limit }),
        });
        show(out, result, () => `${result.enqueued} failed deliveries re-enqueued`);
      }),
    );
}
