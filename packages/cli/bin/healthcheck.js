#!/usr/bin/env node
// The container image's HEALTHCHECK (src/healthcheck.ts, compiled).
const { healthcheck } = await import(new URL('../dist/healthcheck.js', import.meta.url).href);
process.exit(await healthcheck());
