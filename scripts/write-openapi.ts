// Writes packages/api/openapi.json: the document the API serves at /openapi.json.
// A test fails when the committed copy differs; run `pnpm openapi` after changing a route.
import { writeFile } from 'node:fs/promises';
import { generateOpenApiDocument } from '@letta-webhooks/api';

const target = new URL('../packages/api/openapi.json', import.meta.url);
await writeFile(target, `${JSON.stringify(await generateOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
