import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    sqlite: 'adapters/sqlite/index.ts',
    postgres: 'adapters/postgres/index.ts',
  },
  format: ['esm', 'cjs'],
  // One shared chunk for the core, so `appointment-kit` and its adapters share the same error
  // classes (instanceof works across entry points) in both formats.
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
