// Which workspace package may use which, and that every package declares what
// its sources import: the service image is a `pnpm deploy --prod` of the CLI
// package, where an undeclared import fails only at run time (ERR_MODULE_NOT_FOUND).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Each package and the workspace packages it may depend on: the layering of docs/architecture.md. */
const MAY_USE: Readonly<Record<string, readonly string[]>> = {
  '@letta-webhooks/shared': [],
  '@letta-webhooks/migrations': [],
  '@letta-webhooks/producer': ['@letta-webhooks/shared'],
  '@letta-webhooks/worker': ['@letta-webhooks/shared'],
  '@letta-webhooks/api': ['@letta-webhooks/shared', '@letta-webhooks/producer'],
  '@letta-webhooks/cli': [
    '@letta-webhooks/shared',
    '@letta-webhooks/migrations',
    '@letta-webhooks/producer',
    '@letta-webhooks/worker',
    '@letta-webhooks/api',
  ],
};

const manifestSchema = z.object({
  name: z.string(),
  dependencies: z.record(z.string(), z.string()).default({}),
  devDependencies: z.record(z.string(), z.string()).default({}),
});

const packageDirs = [
  ...readdirSync(join(ROOT, 'packages')).map((dir) => join(ROOT, 'packages', dir)),
  join(ROOT, 'migrations'),
];

const packages = packageDirs.map((dir) => ({
  dir,
  manifest: manifestSchema.parse(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))),
}));

/** The packages a source file imports (static, dynamic and type-only), Node's built-ins left out. */
function importedPackages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)]
    .map((match) => match[1] ?? '')
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'));
  return specifiers.map((spec) =>
    spec
      .split('/')
      .slice(0, spec.startsWith('@') ? 2 : 1)
      .join('/'),
  );
}

function sourceImports(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of readdirSync(join(dir, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    for (const name of importedPackages(readFileSync(join(dir, 'src', file), 'utf8')))
      if (!found.has(name)) found.set(name, file);
  }
  return found;
}

describe('package boundaries', () => {
  it('every workspace package has a place in the layering', () => {
    expect(packages.map((p) => p.manifest.name).sort()).toEqual(Object.keys(MAY_USE).sort());
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))(
    '%s depends only on the workspace packages below it',
    (name, { manifest }) => {
      const workspace = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
        .filter((dep) => dep.startsWith('@letta-webhooks/'))
        .sort();
      expect(workspace.filter((dep) => !(MAY_USE[name] ?? []).includes(dep))).toEqual([]);
    },
  );

  it.each(packages.map((p) => [p.manifest.name, p] as const))(
    '%s declares every package its sources import',
    (_name, { dir, manifest }) => {
      const undeclared = [...sourceImports(dir)]
        .filter(([pkg]) => !(pkg in manifest.dependencies))
        .map(([pkg, file]) => `${pkg} (imported by src/${file})`);
      expect(undeclared).toEqual([]);
    },
  );
});
