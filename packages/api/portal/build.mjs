// Builds the web portal's pages into portal/dist (run by `pnpm build`):
// one ES module and one stylesheet, content-hashed, minified, with gzip and
// brotli copies the API serves as they are. Preact is the only library.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = new URL('.', import.meta.url);
const dist = new URL('dist/', here);

await rm(dist, { recursive: true, force: true });
await mkdir(new URL('assets/', dist), { recursive: true });

const result = await esbuild.build({
  entryPoints: [new URL('src/main.tsx', here).pathname],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: 'portal-[hash]',
  outdir: new URL('assets/', dist).pathname,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const js = outputs.find((name) => name.endsWith('.js'));
const css = outputs.find((name) => name.endsWith('.css'));
if (js === undefined || css === undefined)
  throw new Error(`unexpected outputs: ${outputs.join(', ')}`);

const template = await readFile(new URL('src/index.html', here), 'utf8');
await writeFile(new URL('index.html', dist), template.replace('%JS%', js).replace('%CSS%', css));

const sizes = [];
for (const name of ['index.html', `assets/${js}`, `assets/${css}`]) {
  const file = new URL(name, dist);
  const body = await readFile(file);
  const gzip = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  await writeFile(new URL(`${name}.gz`, dist), gzip);
  await writeFile(new URL(`${name}.br`, dist), br);
  sizes.push(`${name} ${body.length} B (gzip ${gzip.length} B, br ${br.length} B)`);
}
console.log(`portal built: ${sizes.join('; ')}`);
