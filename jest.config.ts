/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// Native ESM under jest (`--experimental-vm-modules`): the packages are ES
// modules, and ts-jest only transpiles (tsc --noEmit checks types in CI).
const config: Config = {
  testEnvironment: 'node',
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
  testTimeout: 30_000,
  // A test that leaks a worker, pool or server fails the run instead of hanging it.
  detectOpenHandles: false,
  forceExit: false,
};

export default config;
