import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `pnpm build` writes the portal's pages (packages/api/portal/dist), from src/ and dist/ alike. */
export const PORTAL_DIST = fileURLToPath(new URL('../../portal/dist/', import.meta.url));

/** One built file, with its precompressed forms when the build made them. */
export interface PortalAsset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip?: Buffer;
  readonly br?: Buffer;
  /** Hashed file names never change: browsers may keep them for good. */
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

// The build writes the page at the top and everything it loads under assets/.
async function namesIn(dir: string): Promise<string[]> {
  const top = await readdir(dir, { withFileTypes: true });
  const assets = await readdir(join(dir, 'assets'), { withFileTypes: true });
  return [
    ...top.filter((entry) => entry.isFile()).map((entry) => entry.name),
    ...assets.filter((entry) => entry.isFile()).map((entry) => `assets/${entry.name}`),
  ];
}

/**
 * The built portal, read into memory once (a few files, tens of KB): served
 * by exact name from this map, so no request path ever reaches the file
 * system. Undefined when the pages were not built.
 */
export async function loadPortalAssets(
  dir: string = PORTAL_DIST,
): Promise<ReadonlyMap<string, PortalAsset> | undefined> {
  let names;
  try {
    names = await namesIn(dir);
  } catch {
    return undefined;
  }
  const byName = new Map<string, Buffer>();
  for (const name of names) byName.set(name, await readFile(join(dir, name)));
  const assets = new Map<string, PortalAsset>();
  for (const [name, body] of byName) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const gzip = byName.get(`${name}.gz`);
    const br = byName.get(`${name}.br`);
    assets.set(name, {
      type,
      body,
      ...(gzip === undefined ? {} : { gzip }),
      ...(br === undefined ? {} : { br }),
      immutable: name.startsWith('assets/'),
    });
  }
  return assets.has('index.html') ? assets : undefined;
}
