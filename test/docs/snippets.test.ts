import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

// Every code snippet in the README and docs/ runs here: TypeScript snippets are
// type-checked against the workspace packages with the repository's compiler
// options; Python snippets (standard library only) are executed with python3.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Under node_modules so the snippets resolve @letta-webhooks/* like a user's code would.
const SCRATCH = `${ROOT}node_modules/.cache/doc-snippets/`;

interface Snippet {
  readonly source: string; // e.g. docs/receiving.md:42
  readonly lang: 'ts' | 'python';
  readonly code: string;
  /**
   * `path#name` when the block follows `<!-- snippet: path#name -->`: a copy of
   * the `docs:begin name` region of a file that a test runs whole, so the copy
   * is checked against the region instead of being run on its own.
   */
  readonly region?: string;
}

/** The lines between `# docs:begin name` and `# docs:end name` of a file, dedented. */
function regionOf(reference: string): string | undefined {
  const [path = '', name = ''] = reference.split('#');
  if (!existsSync(`${ROOT}${path}`)) return undefined;
  const text = readFileSync(`${ROOT}${path}`, 'utf8');
  const match = new RegExp(`# docs:begin ${name}\\n([\\s\\S]*?)\\n\\s*# docs:end ${name}`).exec(
    text,
  );
  if (!match) return undefined;
  const lines = (match[1] ?? '').split('\n');
  const indent = Math.min(
    ...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0),
  );
  return lines.map((line) => line.slice(indent)).join('\n');
}

function markdownFiles(): string[] {
  const docs = readdirSync(`${ROOT}docs`, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs.sort()];
}

function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(`${ROOT}${file}`, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++)
      body.push(lines[i] ?? '');
    const info = open[1] ?? '';
    const lang = ['ts', 'typescript'].includes(info)
      ? 'ts'
      : ['python', 'py'].includes(info)
        ? 'python'
        : undefined;
    const marker = lines
      .slice(Math.max(0, start - 3), start)
      .map((line) => /^<!-- snippet: (\S+#\S+) -->$/.exec(line)?.[1])
      .find((found) => found !== undefined);
    if (lang) {
      snippets.push({
        source: `${file}:${start + 1}`,
        lang,
        code: body.join('\n'),
        ...(marker === undefined ? {} : { region: marker }),
      });
    }
  }
  return snippets;
}

const snippets = markdownFiles().flatMap(snippetsOf);
const fileName = (snippet: Snippet, ext: string) =>
  `${SCRATCH}${snippet.source.replace(/[/:.]/g, '_')}.${ext}`;

describe('documentation snippets', () => {
  it('finds the README examples (publish and receive) among the snippets', () => {
    const readme = snippets.filter((s) => s.source.startsWith('README.md'));
    expect(readme.some((s) => s.code.includes('publishEvent('))).toBe(true);
    expect(readme.some((s) => s.code.includes('verifyWebhook('))).toBe(true);
    expect(snippets.some((s) => s.lang === 'python')).toBe(true);
  });

  it('type-checks every TypeScript snippet', () => {
    rmSync(SCRATCH, { recursive: true, force: true });
    mkdirSync(SCRATCH, { recursive: true });
    const typescript = snippets.filter((s) => s.lang === 'ts' && s.region === undefined);
    // `export {}` makes each snippet a module of its own (top-level await, no shared names).
    const files = typescript.map((s) => {
      const name = fileName(s, 'mts');
      writeFileSync(name, `${s.code}\nexport {};\n`);
      return name;
    });
    const config = ts.getParsedCommandLineOfConfigFile(
      `${ROOT}tsconfig.json`,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!config) throw new Error('tsconfig.json could not be read');
    const program = ts.createProgram(files, config.options);
    const problems = typescript.flatMap((snippet, index) => {
      const file = program.getSourceFile(files[index] ?? '');
      if (!file) return [`${snippet.source}: not compiled`];
      return ts.getPreEmitDiagnostics(program, file).map((d) => {
        const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line;
        const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
        return `${snippet.source} (+${line + 1} lines): ${text}`;
      });
    });
    expect(problems).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('runs every Python snippet with python3; a verify() it defines accepts a request signed here and refuses a forged one', () => {
    const python = snippets.filter((s) => s.lang === 'python' && s.region === undefined);
    const receiver = readFileSync(`${ROOT}examples/python/receiver.py`, 'utf8');
    const receiverVerify = (
      /# docs:begin verify\n([\s\S]*?)# docs:end verify/.exec(receiver)?.[1] ?? ''
    ).trimEnd();
    expect(receiverVerify).toContain('def verify(');
    mkdirSync(SCRATCH, { recursive: true });
    // A request signed independently of the code under test (node:crypto, Standard Webhooks content).
    const key = randomBytes(32);
    const secret = `whsec_${key.toString('base64')}`;
    const body = JSON.stringify({ event_id: 'evt_doc', event_type: 'agent.run.completed' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', key)
      .update(`evt_doc.${timestamp}.${body}`)
      .digest('base64');
    const harness = `
import json, sys
namespace = {"__name__": "doc_snippet"}
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), namespace)
verify = namespace.get("verify")
if verify is not None:
    secret, body, timestamp, signature = sys.argv[2:6]
    headers = {"webhook-id": "evt_doc", "webhook-timestamp": timestamp,
               "webhook-signature": "v1," + signature}
    event = verify(secret, headers, body.encode())
    assert event["event_id"] == "evt_doc", event
    try:
        verify(secret, {**headers, "webhook-signature": "v1,AAAA"}, body.encode())
    except Exception:
        print("verified and refused")
    else:
        raise SystemExit("a forged signature was accepted")
`;
    writeFileSync(`${SCRATCH}harness.py`, harness);
    for (const snippet of python) {
      const name = fileName(snippet, 'py');
      writeFileSync(name, snippet.code);
      const run = spawnSync(
        'python3',
        [`${SCRATCH}harness.py`, name, secret, body, timestamp, signature],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect({ snippet: snippet.source, status: run.status, stderr: run.stderr }).toEqual({
        snippet: snippet.source,
        status: 0,
        stderr: '',
      });
      if (snippet.code.includes('def verify('))
        expect(run.stdout).toContain('verified and refused');
    }
  });
});

describe('documentation snippets copied from files a test runs', () => {
  it('match their region of the file exactly', () => {
    const copies = snippets.filter((s) => s.region !== undefined);
    const drifted = copies
      .filter((s) => regionOf(s.region ?? '') !== s.code)
      .map((s) => `${s.source} differs from ${s.region ?? ''}`);
    expect(drifted).toEqual([]);
  });
});

describe('docs/architecture.md', () => {
  it('names only files and folders that exist', () => {
    const text = readFileSync(`${ROOT}docs/architecture.md`, 'utf8');
    const paths = [...text.matchAll(/`((?:packages|migrations)\/[\w./-]+)`/g)].map(
      (m) => m[1] ?? '',
    );
    expect(paths.length).toBeGreaterThan(30);
    const missing = paths.filter((path) => !existsSync(`${ROOT}${path}`));
    expect(missing).toEqual([]);
  });
});
