import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
// A scratch app with the package installed (a link to this checkout), so `appointment-kit`
// resolves through package.json's exports to the built files, as in a host's bundler.
const scratch = mkdtempSync(join(tmpdir(), 'appointment-kit-shake-'));
mkdirSync(join(scratch, 'node_modules'));
symlinkSync(root, join(scratch, 'node_modules', 'appointment-kit'), 'dir');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HEAVY_DEPENDENCIES = ['luxon', 'rrule', 'zod', 'kysely'];

/** Bundles `export { names } from 'appointment-kit'` for Node, minified, every dependency inlined. */
async function bundle(names: string) {
  const result = await build({
    stdin: {
      contents: `export { ${names} } from 'appointment-kit';`,
      resolveDir: scratch,
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  const [file] = result.outputFiles;
  if (output === undefined || file === undefined) throw new Error('esbuild produced no output');
  const contributing = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return { bytes: file.contents.byteLength, contributing };
}

describe('tree-shaking the built ESM package', () => {
  it('bundles findOverlaps alone into under 2 kB, with none of the heavy dependencies', async () => {
    const { bytes, contributing } = await bundle('findOverlaps');
    // About 0.8 kB today: the sweep and its sort.
    expect(bytes).toBeLessThan(2048);
    for (const dependency of HEAVY_DEPENDENCIES) {
      expect(contributing.filter((path) => path.includes(`node_modules/${dependency}/`))).toEqual([]);
    }
    expect(contributing.every((path) => path.includes('dist/esm/src/'))).toBe(true);
  });

  it('keeps the other pure helpers small too', async () => {
    const { bytes, contributing } = await bundle('rangesOverlap, canTransition, findConflicts, isFinalStatus');
    expect(bytes).toBeLessThan(2048);
    expect(contributing.some((path) => path.includes('node_modules/'))).toBe(false);
  });

  it('still bundles what is used: the slot generator brings luxon', async () => {
    // The bound above means something only if the bundle really resolves the package.
    const { contributing } = await bundle('generateSlots');
    expect(contributing.some((path) => path.includes('node_modules/luxon/'))).toBe(true);
  });
});
