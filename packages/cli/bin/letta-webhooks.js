#!/usr/bin/env node
// The compiled CLI (`pnpm build` writes dist/).
import { existsSync } from 'node:fs';
import { setTimeout } from 'node:timers';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('letta-webhooks is not built: run `npx -y pnpm@12.4.2 build` first');
  process.exit(1);
}
const { main } = await import(entry.href);
await main();
// Every command ends: should a socket (say to a Redis that went away) still
// hold the event loop a second after the work and its output are done, leave.
setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
