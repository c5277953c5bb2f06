import { defineConfig } from 'vitest/config';

// Unit tests (*.test.ts) are pure and fast; integration tests (*.int.test.ts) start the real stack on free
// ports. Integration files run one at a time: the machine has two cores and each stack is a real
// PostgreSQL + Redis + API cluster.
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['{cli,reference-api,scenarios,bench}/**/*.test.ts'], exclude: ['**/*.int.test.ts', 'node_modules/**'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{cli,reference-api,scenarios,bench}/**/*.int.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
