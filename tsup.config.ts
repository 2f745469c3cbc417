import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/** The package's entry points (package.json `exports`). */
const LIBRARY_ENTRIES = {
  index: 'src/index.ts',
  sqlite: 'adapters/sqlite/index.ts',
  postgres: 'adapters/postgres/index.ts',
  testing: 'src/testing/index.ts',
  ical: 'src/ical/index.ts',
  fhir: 'src/fhir/index.ts',
};

const COMMON: Options = { sourcemap: true, target: 'node20', clean: false };

export default defineConfig(() => {
  // tsup cleans per build, and the builds below run in parallel: one build's clean could delete
  // another's fresh output. So dist/ is emptied once, here, before any of them starts.
  rmSync('dist', { recursive: true, force: true });
  return [
    {
      // ESM, one file per source module, for bundlers: with `sideEffects: false` they drop whole
      // modules a host never reaches, so `import { findOverlaps }` does not pull in luxon, rrule,
      // zod or kysely. (A single bundled file cannot be shaken that far: its module-level code,
      // such as building the zod schemas, has to be kept.) Shared modules are shared files, so
      // `appointment-kit` and its adapters share one set of error classes.
      ...COMMON,
      entry: ['src/**/*.ts', 'adapters/**/*.ts', '!adapters/cli/**', '!src/testing/commonjs.ts'],
      format: ['esm'],
      bundle: false,
      outDir: 'dist/esm',
    },
    {
      // CommonJS, bundled per entry point with one shared chunk for the core (instanceof works
      // across entry points). The `appointment-kit` command (package.json `bin`) is built here
      // too, sharing the stores' chunks: its source starts with `#!/usr/bin/env node`, which
      // esbuild keeps and tsup marks executable. `testing` has its own CommonJS source: the suite
      // imports Vitest, which refuses `require()` (see src/testing/commonjs.ts).
      ...COMMON,
      entry: { ...LIBRARY_ENTRIES, testing: 'src/testing/commonjs.ts', cli: 'adapters/cli/main.ts' },
      format: ['cjs'],
      splitting: true,
      outDir: 'dist',
    },
    {
      // Declarations for both formats, rolled up per entry point.
      ...COMMON,
      entry: LIBRARY_ENTRIES,
      format: ['esm', 'cjs'],
      dts: { only: true },
      outDir: 'dist',
    },
  ];
});
