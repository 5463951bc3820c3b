// Summarises CPU profiles written by `pnpm bench --profile`:
// `tsx bench/profile-summary.ts bench/profiles/worker-1.cpuprofile [top]`.
// Prints self time by package (or Node internal / GC / native) and the
// hottest functions, as shares of the profile's sampled time.
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

// Where a frame's code lives: a package, the project, Node's internals, or V8.
function areaOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const own = /packages\/([^/]+)\//.exec(url);
  if (own?.[1] !== undefined) return `@letta-webhooks/${own[1]}`;
  return url;
}

async function main(): Promise<void> {
  const [file, topArg] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    add(areas, areaOf(url, functionName), us);
    add(
      functions,
      `${functionName || '(anonymous)'} ${areaOf(url, functionName)}:${lineNumber + 1}`,
      us,
    );
  }
  const top = Number(topArg ?? 25);
  const print = (title: string, map: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
      console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  };
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  print('self time by area', areas, 20);
  print('self time by function', functions, top);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
