/**
 * What every Node package's tsup build shares: ESM for Node 20 with
 * declarations and source maps. Each package's `tsup.config.ts` adds its
 * entries.
 */
import { defineConfig, type Options } from 'tsup';

export function nodePackage(options: Options = {}): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...options,
  });
}
