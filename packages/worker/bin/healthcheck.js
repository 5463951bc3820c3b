#!/usr/bin/env node
// The container image's HEALTHCHECK (src/cli/healthcheck.ts, compiled).
const { healthcheck } = await import(new URL('../dist/cli/healthcheck.js', import.meta.url).href);
process.exit(await healthcheck());
