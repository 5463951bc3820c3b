import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/letta-webhooks.js', import.meta.url));

/** A running `letta-webhooks` process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

/** Starts the compiled `letta-webhooks` bin with exactly these environment variables (plus PATH). */
export function startCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Runs the bin to completion: exit code, output, and how long it took. */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const cli = startCli(args, env);
  const code = await cli.exited;
  return { code, ...cli.output(), ms: Date.now() - started };
}
