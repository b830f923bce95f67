import { defineConfig } from 'vitest/config'

// Tiers are named in file names (STYLE.md §13): unit (no I/O), int (real services), e2e (whole processes).
export default defineConfig({
  test: {
    projects: [
      // PGlite in memory counts as no I/O; its start takes seconds on 2 cores.
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.unit.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['tests/**/*.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
