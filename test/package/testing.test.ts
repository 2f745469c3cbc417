import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const scratch = mkdtempSync(join(tmpdir(), 'appointment-kit-testing-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a snippet in a fresh Node process in `cwd`, where `appointment-kit` resolves to the built files. */
function runNode(args: readonly string[], cwd = root): string {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8' }).trim();
}

/** A directory holding `node_modules` with the given packages linked in. */
function project(name: string, links: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const [linkName, target] of Object.entries(links))
    symlinkSync(target, join(dir, 'node_modules', linkName), 'dir');
  return dir;
}

const ROW = `const row = newAppointmentRow({ start: new Date('2026-03-02T09:00:00Z'), providerId: 'dr-lee' });
console.log(JSON.stringify({
  run: typeof runStoreConformance,
  end: row.appointment.end.toISOString(),
  providerId: row.appointment.providerId,
  audit: [row.audit.action, row.audit.appointmentId === row.appointment.id],
}));`;
const ROW_OUTPUT = {
  run: 'function',
  end: '2026-03-02T09:30:00.000Z',
  providerId: 'dr-lee',
  audit: ['created', true],
};

describe('appointment-kit/testing, built', () => {
  it('imports from ESM: the suite and the row builder', () => {
    const output = runNode([
      '--input-type=module',
      '-e',
      `import { newAppointmentRow, runStoreConformance } from 'appointment-kit/testing';${ROW}`,
    ]);
    expect(JSON.parse(output)).toEqual(ROW_OUTPUT);
  });

  it('requires from CommonJS; the suite itself then says to import it, since Vitest cannot be required', () => {
    const output = runNode([
      '--input-type=commonjs',
      '-e',
      `const { newAppointmentRow, runStoreConformance } = require('appointment-kit/testing');${ROW}
try { runStoreConformance('x', async () => { throw new Error('never called'); }); } catch (error) { console.log(error.message); }`,
    ]);
    const [row, message] = output.split('\n');
    expect(JSON.parse(row ?? '')).toEqual(ROW_OUTPUT);
    expect(message).toContain("import { runStoreConformance } from 'appointment-kit/testing'");
  });

  it('type-checks a certification under node10, node16 and bundler resolution', () => {
    const dir = project('types', { 'appointment-kit': root });
    const consumer = `
import { newAppointmentRow, runStoreConformance } from 'appointment-kit/testing';
import { createSqliteStore } from 'appointment-kit/sqlite';

runStoreConformance('SQLite', async () => createSqliteStore({ filename: ':memory:' }));
export const row = newAppointmentRow({ start: new Date() });
// @ts-expect-error createStore returns a promise of a store
runStoreConformance('SQLite', () => createSqliteStore({ filename: ':memory:' }));
`;
    for (const file of ['consumer.ts', 'consumer.cts', 'consumer.mts']) writeFileSync(join(dir, file), consumer);
    const errorsUnder = (files: string[], options: ts.CompilerOptions) =>
      ts
        .getPreEmitDiagnostics(
          ts.createProgram(
            files.map((file) => join(dir, file)),
            { strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022, ...options },
          ),
        )
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(
      errorsUnder(['consumer.ts'], {
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
      }),
    ).toEqual([]);
    expect(
      errorsUnder(['consumer.cts', 'consumer.mts'], {
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
      }),
    ).toEqual([]);
    expect(
      errorsUnder(['consumer.ts'], {
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
      }),
    ).toEqual([]);
  });

  it('certifies a store as a third party would: under Vitest, every contract test run and passed', () => {
    // An adapter's own repository: its test files import the installed package, and Vitest runs them.
    const dir = project('adapter', {
      'appointment-kit': root,
      vitest: join(root, 'node_modules', 'vitest'),
    });
    writeFileSync(
      join(dir, 'certified.test.ts'),
      `
import { createSqliteStore } from 'appointment-kit/sqlite';
import { runStoreConformance } from 'appointment-kit/testing';

runStoreConformance('certified', async () => createSqliteStore({ filename: ':memory:' }));
`,
    );

    // This test runs inside Vitest: its variables would tell the inner run it is a worker.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json', '--outputFile=report.json'],
      { cwd: dir, env, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      testResults: Array<{
        name: string;
        assertionResults: Array<{ title: string; status: string; failureMessages: string[] }>;
      }>;
    };
    const resultsOf = (file: string) =>
      report.testResults.find((result) => result.name.endsWith(file))?.assertionResults ?? [];
    const count = (file: string, status: string) => resultsOf(file).filter((test) => test.status === status).length;

    // The whole contract, every test passed, none skipped.
    expect({ passed: count('certified.test.ts', 'passed'), other: resultsOf('certified.test.ts').length }).toEqual({
      passed: 36,
      other: 36,
    });
  });
});

describe('Vitest, an optional peer dependency', () => {
  // The package installed alone, with its own dependencies but without Vitest.
  let app = '';
  beforeAll(() => {
    const links = Object.fromEntries(
      Object.keys(manifest.dependencies).map((dependency) => [dependency, join(root, 'node_modules', dependency)]),
    );
    app = project('without-vitest', links);
    const installed = join(app, 'node_modules', 'appointment-kit');
    mkdirSync(installed);
    cpSync(join(root, 'dist'), join(installed, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(installed, 'package.json'));
  });

  it('is never loaded by appointment-kit, from ESM or CommonJS', () => {
    const check = `console.log(typeof kit.createScheduler, typeof kit.findOverlaps);`;
    expect(runNode(['--input-type=module', '-e', `import * as kit from 'appointment-kit';${check}`], app)).toBe(
      'function function',
    );
    expect(runNode(['--input-type=commonjs', '-e', `const kit = require('appointment-kit');${check}`], app)).toBe(
      'function function',
    );
  });

  it('is what appointment-kit/testing needs: without it, the ES module names it as missing', () => {
    // Proves the check above can fail: a module that does load Vitest fails here.
    const output = runNode(
      [
        '--input-type=module',
        '-e',
        `await import('appointment-kit/testing').then(() => console.log('loaded'), (error) => console.log(error.code, error.message));`,
      ],
      app,
    );
    expect(output).toMatch(/^ERR_MODULE_NOT_FOUND Cannot find package 'vitest'/);
  });
});
