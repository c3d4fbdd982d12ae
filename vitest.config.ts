import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

// `unit`: files that start no service, bind no port and need no database server or browser (npm run test:unit).
// `e2e`: everything else, real services over HTTP. A new test file is e2e unless it is listed here.
const UNIT_TESTS = [
  'tests/anoncreds.test.ts',
  'tests/credo-extensions.test.ts',
  'tests/decision-adapters.test.ts',
  'tests/package-boundaries.test.ts',
  'tests/status-decoding.test.ts',
  'tests/type-metadata.test.ts',
]

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // services bind real ports and some suites start PostgreSQL: keep files apart on this 2-core machine
    // (a global option; `npm run test:unit` turns it on for the unit project alone)
    fileParallelism: false,
    setupFiles: ['reflect-metadata'],
    // every issuer a test starts imports stored AnonCreds material instead of generating it (minutes each)
    // NODE_ENV as `npm start` runs (unset: development): under `test`, didwebvh-ts writes every DID log it makes
    // into ./test/logs of the working directory
    env: { INTEROP_ANONCREDS_MATERIAL_DIR: join(import.meta.dirname, 'tests', 'fixtures', 'anoncreds', 'issuers'), NODE_ENV: 'development' },
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT_TESTS } },
      { extends: true, test: { name: 'e2e', include: ['tests/**/*.test.ts'], exclude: UNIT_TESTS } },
    ],
  },
})
