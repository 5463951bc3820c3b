// The benchmark's child processes (workers, ceilings, the receiver), driven
// over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A file next to this one. */
export const benchFile = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

interface Message {
  readonly type: string;
}

/** A started child process. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** The child's 'ready' message. */
  readonly ready: Readonly<Record<string, unknown>>;
  /** Resolves with the next message of `type`. */
  next<T>(type: string): Promise<T & Message>;
  /** Sends `message`; resolves with the child's next message of the same type. */
  ask<T>(message: Message & Record<string, unknown>): Promise<T & Message>;
  /** Sends a message that gets no answer. */
  tell(message: Message & Record<string, unknown>): void;
  /** Asks the child to stop; resolves once it exited. */
  stop(): Promise<void>;
}

/** Forks `script` (in bench/) and resolves once it says 'ready'. */
export function startChild(
  script: string,
  env: Readonly<Record<string, string>>,
  execArgv: readonly string[] = [],
): Promise<Child> {
  const child = fork(benchFile(script), [], {
    env: { ...process.env, ...env },
    // TypeScript children (the receiver) need the loader; the measured clients are plain JavaScript.
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T & Message>((resolve) => {
      const onMessage = (message: T & Message) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${String(code)}`));
    });
    void next<Record<string, unknown>>('ready').then((ready) => {
      resolve({
        process: child,
        pid: child.pid ?? 0,
        ready,
        next,
        ask: <T>(message: Message & Record<string, unknown>) => {
          const answer = next<T>(message.type);
          child.send(message);
          return answer;
        },
        tell: (message) => {
          child.send(message);
        },
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) {
              done();
              return;
            }
            child.once('exit', () => {
              done();
            });
            child.send({ type: 'stop' });
          }),
      });
    });
  });
}
