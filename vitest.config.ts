import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // services bind real ports and some suites start PostgreSQL: keep files apart on this 2-core machine
    fileParallelism: false,
    setupFiles: ['reflect-metadata'],
    // every issuer a test starts imports stored AnonCreds material instead of generating it (minutes each)
    env: { INTEROP_ANONCREDS_MATERIAL_DIR: join(import.meta.dirname, 'tests', 'fixtures', 'anoncreds', 'issuers') },
  },
})
