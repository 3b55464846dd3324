import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'docs/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'packages/ui/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
