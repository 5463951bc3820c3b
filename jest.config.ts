/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// Native ESM under jest (`--experimental-vm-modules`): the packages are ES
// modules, and ts-jest only transpiles (tsc --noEmit checks types in CI).
const config: Config = {
  // jest's node environment plus a leak check: a file that leaves a handle open fails.
  testEnvironment: '<rootDir>/test/support/leak-check-environment.cjs',
  // Workspace packages resolve to their TypeScript sources in tests.
  testEnvironmentOptions: { customExportConditions: ['development', 'node', 'node-addons'] },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: [
    '<rootDir>/packages/*/test/**/*.test.ts',
    '<rootDir>/migrations/test/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
  ],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  maxWorkers: 2,
  // A test's own waits (waitFor deadlines, expected timings) are its assertions; this is only the
  // ceiling for a test that starts many processes, generous for a loaded 2-core machine.
  testTimeout: 120_000,
  // A file that leaks a worker, pool, server or timer fails (leak-check-environment.cjs),
  // so the run need not wait for what it leaked before it exits.
  detectOpenHandles: false,
  forceExit: true,
};

export default config;
