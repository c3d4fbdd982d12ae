import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // services bind real ports and some suites start PostgreSQL: keep files apart on this 2-core machine
    fileParallelism: false,
    setupFiles: ['reflect-metadata'],
  },
})
