#!/usr/bin/env node
// The compiled CLI (`pnpm build` writes dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('letta-webhooks is not built: run `npx -y pnpm@12.4.2 build` first');
  process.exit(1);
}
const { main } = await import(entry.href);
await main();
