import { defineConfig } from 'vitest/config';

// Unit tests (*.test.ts) are pure and fast; integration tests (*.int.test.ts) start the real stack on free
// ports. Integration files run one at a time: the machine has two cores and each stack is a real
// PostgreSQL + Redis + API cluster. Tests sit next to the code they test; tests/ holds the system tests
// that drive several programs at once (the stack, the API, k6, the CLI).
const TEST_ROOTS = '{cli,reference-api,scenarios,bench,tests}';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [`${TEST_ROOTS}/**/*.test.ts`],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [`${TEST_ROOTS}/**/*.int.test.ts`],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
