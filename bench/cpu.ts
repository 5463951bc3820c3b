// CPU time per process, read from /proc: figures that stay stable when the
// machine is shared, unlike wall-clock rates. Each process's time is the sum
// of its threads' on-CPU time (/proc/PID/task/TID/schedstat, nanoseconds);
// /proc/PID/stat (10 ms ticks, user + system) is the fallback.
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

/** Microseconds of CPU `pid` has used so far; undefined once it is gone. */
export async function processCpuMicros(pid: number): Promise<number | undefined> {
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    let ns = 0;
    for (const task of tasks) {
      const text = await readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8').catch(() => '');
      ns += Number(text.split(' ')[0] ?? 0) || 0;
    }
    if (ns > 0) return ns / 1_000;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** A group of processes whose CPU is reported as one figure (e.g. every worker process). */
export type ProcessGroups = Readonly<Record<string, readonly number[]>>;

/** How the Postgres backends of one database are grouped: by `application_name`. */
export interface PostgresProbe {
  /** A client connected to the server (any database); it reads pg_stat_activity. */
  readonly client: pg.Pool;
  readonly database: string;
  /** Group name for backends by application name; the rest go to `postgres (other)`. */
  readonly groupOf: (applicationName: string) => string;
}

async function postgresBackends(probe: PostgresProbe): Promise<Map<number, string>> {
  const { rows } = await probe.client.query<{
    pid: number;
    application_name: string;
    backend_type: string;
  }>(
    'SELECT pid, application_name, backend_type FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [probe.database],
  );
  return new Map(
    rows.map((row) => [
      row.pid,
      row.backend_type === 'client backend'
        ? `postgres (${probe.groupOf(row.application_name)})`
        : `postgres (${row.backend_type})`,
    ]),
  );
}

/** CPU used per group between {@link startCpuMeter} and `stop()`, in microseconds. */
export interface CpuMeter {
  stop(): Promise<Record<string, number>>;
}

/**
 * Starts measuring the CPU of `groups` and of the Postgres backends of one
 * database. Backends that appear during the run are counted from zero (they
 * were born in it); call `stop()` before the measured processes exit.
 */
export async function startCpuMeter(
  groups: () => ProcessGroups,
  postgres: PostgresProbe | undefined,
): Promise<CpuMeter> {
  const before = new Map<number, number>();
  const readAll = async (pids: Iterable<number>, into: Map<number, number>) => {
    for (const pid of pids) {
      const micros = await processCpuMicros(pid);
      if (micros !== undefined) into.set(pid, micros);
    }
  };
  const backendsBefore = postgres ? await postgresBackends(postgres) : new Map<number, string>();
  await readAll([...Object.values(groups()).flat(), ...backendsBefore.keys(), process.pid], before);
  const driverBefore = process.cpuUsage();
  return {
    async stop() {
      const driver = process.cpuUsage(driverBefore);
      const backends = postgres ? await postgresBackends(postgres) : new Map<number, string>();
      const after = new Map<number, number>();
      const current = groups();
      await readAll([...Object.values(current).flat(), ...backends.keys()], after);
      const used: Record<string, number> = {};
      const add = (group: string, pid: number) => {
        const end = after.get(pid);
        if (end === undefined) return;
        used[group] = (used[group] ?? 0) + end - (before.get(pid) ?? 0);
      };
      for (const [group, pids] of Object.entries(current)) for (const pid of pids) add(group, pid);
      for (const [pid, group] of backends) add(group, pid);
      used.driver = driver.user + driver.system;
      return used;
    },
  };
}
