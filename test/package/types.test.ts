import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
// A consumer project with the package installed (a link to this checkout), type-checked with
// the compiler settings hosts really use, against the built declaration files.
const scratch = mkdtempSync(join(tmpdir(), 'appointment-kit-types-'));
mkdirSync(join(scratch, 'node_modules'));
symlinkSync(root, join(scratch, 'node_modules', 'appointment-kit'), 'dir');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Every entry point, and a deliberate mistake per entry point: if a subpath's types failed to
// resolve, its imports would be `any` and the `@ts-expect-error` lines would themselves fail.
const CONSUMER = `
import { findOverlaps } from 'appointment-kit';
import { createSqliteStore, type SqliteStore } from 'appointment-kit/sqlite';
import { createPostgresStore, type PostgresStore } from 'appointment-kit/postgres';

export const pairs: Array<[number, number]> = findOverlaps([]);
export const sqlite: SqliteStore = createSqliteStore({ filename: 'clinic.db' });
export const postgres: PostgresStore = createPostgresStore({ connectionString: 'postgres://localhost/clinic' });
// @ts-expect-error a file name is a string
createSqliteStore({ filename: 42 });
// @ts-expect-error a schema name is a string
createPostgresStore({ connectionString: 'postgres://localhost/clinic', schema: 7 });
// @ts-expect-error ranges, not numbers
findOverlaps([1]);
`;

function typeErrors(files: Record<string, string>, options: ts.CompilerOptions): string[] {
  const dir = mkdtempSync(join(scratch, 'project-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const program = ts.createProgram(
    Object.keys(files).map((name) => join(dir, name)),
    { strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022, ...options },
  );
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('the built type declarations', () => {
  it('resolve for every entry point under "module": "commonjs" (moduleResolution node10)', () => {
    const errors = typeErrors(
      { 'consumer.ts': CONSUMER },
      { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 },
    );
    expect(errors).toEqual([]);
  });

  it('resolve for every entry point under node16, from CommonJS and from ESM', () => {
    const errors = typeErrors(
      { 'consumer.cts': CONSUMER, 'consumer.mts': CONSUMER },
      { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
    );
    expect(errors).toEqual([]);
  });
});
