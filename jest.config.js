/** Unit tests need nothing; integration tests need the services that infra/run.sh starts. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.jest.json' }];
/**
 * Fault and restore tests (test/faults) stop and start the shared services, so they run only when
 * CITYCODE_FAULTS=1, alone and in band, after everything else (infra/run.sh test).
 */
const faults = {
  displayName: 'faults',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  transform: { '^.+\\.ts$': tsJest },
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  testTimeout: 60000,
  projects: [
    ...(process.env.CITYCODE_FAULTS === '1' ? [faults] : []),
    {
      displayName: 'unit',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFiles: ['reflect-metadata'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/districts/*/test/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFiles: ['reflect-metadata'],
    },
    {
      // The governance console in Debian's Chromium (playwright-core), against the real services.
      displayName: 'browser',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFiles: ['reflect-metadata'],
    },
  ],
};
