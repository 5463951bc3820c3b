import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../../../test/support/harness.js';
import { errorBodySchema } from '../src/errors/error-body.js';
import { HTTP_STATUS } from '../src/errors/http-status.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

// docs/api.md checked against the code: its Python snippets are the tested
// examples, its error table is the one in the code, it names every route,
// and every curl example runs against a real API.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${ROOT}docs/api.md`, 'utf8');

/** The fenced blocks of a language, with the text just before each. */
function blocks(language: string): { before: string; code: string }[] {
  const found: { before: string; code: string }[] = [];
  const fence = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g');
  for (const match of doc.matchAll(fence)) {
    found.push({ before: doc.slice(0, match.index).trimEnd(), code: match[1] ?? '' });
  }
  return found;
}

/** The lines between `# docs:begin name` and `# docs:end name`, dedented. */
function region(file: string, name: string): string {
  const text = readFileSync(`${ROOT}${file}`, 'utf8');
  const match = new RegExp(`# docs:begin ${name}\\n([\\s\\S]*?)\\n\\s*# docs:end ${name}`).exec(
    text,
  );
  if (!match?.[1]) throw new Error(`${file} has no docs region ${name}`);
  const lines = match[1].split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0),
  );
  return `${lines.map((l) => l.slice(indent)).join('\n')}\n`;
}

describe('docs/api.md', () => {
  it("shows the Python examples' tested code, word for word", () => {
    const snippets = blocks('python').map(({ before, code }) => {
      const marker = /<!-- snippet: (\S+)#(\S+) -->$/.exec(before);
      if (!marker?.[1] || !marker[2])
        throw new Error(`python block without a snippet marker:\n${code}`);
      return { source: `${marker[1]}#${marker[2]}`, code, expected: region(marker[1], marker[2]) };
    });
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    for (const { source, code, expected } of snippets)
      expect({ source, code }).toEqual({ source, code: expected });
  });

  it('has the error table of the code, row for row', () => {
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` +\| (\d{3}) +\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(Object.fromEntries(rows)).toEqual(HTTP_STATUS);
  });

  it('names every /v1 route of the OpenAPI document', () => {
    const document = JSON.parse(readFileSync(`${ROOT}packages/api/openapi.json`, 'utf8')) as {
      paths: Record<string, unknown>;
    };
    const v1 = Object.keys(document.paths).filter((path) => path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThan(15);
    expect(v1.filter((path) => !doc.includes(`${path}\``) && !doc.includes(`${path} `))).toEqual(
      [],
    );
  });
});

describe('the curl examples of docs/api.md', () => {
  let f: ApiFixture;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    // A worker only until the example event is delivered (to the loopback receiver) and so
    // recorded: the examples' own endpoint is not a loopback URL, and nothing may be sent there.
    f = await startApiFixture({ WEBHOOK_API_TEST_WAIT_MS: '0' }, { deliver: true });
    const key = await f.keyFor('org-docs');
    const endpoint = await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: f.receiver.url('/docs'), event_types: ['*'] },
    });
    const event = await f.postEvent(key, 'agent-docs', 'agent.run.completed');
    const deliveryId = event.body.deliveries[0].delivery_id as string;
    await waitFor(
      async () => {
        const delivery = await f.call('GET', `/v1/deliveries/${deliveryId}`, { key });
        return delivery.body?.status === 'succeeded' ? true : undefined;
      },
      { what: 'the example event delivered' },
    );
    await f.worker.close();
    Object.assign(env, {
      PATH: process.env.PATH ?? '',
      API: f.api.url,
      KEY: key,
      EP: endpoint.body.id as string,
      EVT: event.body.event_id as string,
      DLV: deliveryId,
    });
  });

  afterAll(async () => {
    await f.close();
  });

  it('each runs and answers what the page says', async () => {
    const examples = blocks('sh')
      .map(({ code }) => code)
      .filter((code) => code.includes('curl') && code.includes('$API'));
    expect(examples.length).toBeGreaterThan(10);
    // Deleting the endpoint comes last, so the examples after it on the page still find it.
    const ordered = [
      ...examples.filter((code) => !code.includes('-X DELETE')),
      ...examples.filter((code) => code.includes('-X DELETE')),
    ];
    for (const code of ordered) {
      const child = spawn(
        'bash',
        ['-euo', 'pipefail', '-c', code.replaceAll('curl -sS', 'curl -sS -w "\\n"')],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [exitCode] = (await once(child, 'exit')) as [number | null];
      expect({ code, exitCode, stderr }).toEqual({ code, exitCode: 0, stderr: '' });
      const answers = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      // An example says in a comment when it shows an error; all others succeed.
      const shown = /# (\{"error":\{"code":"([A-Z_]+)")/.exec(code)?.[2];
      const errors = answers.flatMap((answer) =>
        'error' in answer ? [errorBodySchema.parse(answer).error.code] : [],
      );
      expect({ code, errors }).toEqual({ code, errors: shown === undefined ? [] : [shown] });
    }
  });
});
