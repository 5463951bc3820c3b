export { main } from './main.js';
export { EXIT_CODES, exitCodeFor } from './exit-codes.js';
export { formatTable } from './format-table.js';
export { healthcheck, servedCommand } from './healthcheck.js';
export type { HealthcheckOptions } from './healthcheck.js';
