// Real worker processes: the compiled CLI, `letta-webhooks worker`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/letta-webhooks.js', import.meta.url));

/** A worker process, with what it logged. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Log lines (stdout and stderr) so far. */
  readonly lines: string[];
}

/** Starts `letta-webhooks <command>` (default `worker`) with exactly these environment variables. */
export function startWorker(
  env: Readonly<Record<string, string>>,
  command: readonly string[] = ['worker'],
): WorkerProcess {
  const child = spawn(process.execPath, [BIN, ...command], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString();
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line !== ''));
    });
  }
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, lines };
}

/** SIGTERMs every worker still running and waits for all to exit. */
export async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}
