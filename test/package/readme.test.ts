import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
// Snippets run from a scratch app that has the package installed (a link to this checkout),
// so `appointment-kit` resolves through package.json's exports to the built files.
const scratch = mkdtempSync(join(tmpdir(), 'appointment-kit-readme-'));
mkdirSync(join(scratch, 'node_modules'));
symlinkSync(root, join(scratch, 'node_modules', 'appointment-kit'), 'dir');
// …with the drivers the README tells users to install beside it, and their types.
for (const driver of ['pg', 'better-sqlite3', '@types']) {
  symlinkSync(join(root, 'node_modules', driver), join(scratch, 'node_modules', driver), 'dir');
}

const HEADINGS = ['Quick start', 'The pure core', 'Booking rules', 'Recurring series', 'PostgreSQL'];
const fileOf = (heading: string) => heading.replace(/\W+/g, '-');

/**
 * Every TypeScript snippet, compiled once as a TypeScript user would (strict, Node's ESM
 * resolution, the package's own type declarations) into the JavaScript that then runs: "copy,
 * paste, run" holds for TypeScript users too. Any compiler error fails every README test.
 */
function compileSnippets(): string {
  for (const heading of HEADINGS) writeFileSync(join(scratch, `${fileOf(heading)}.mts`), snippetUnder(heading));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
      '--outDir',
      join(scratch, 'out'),
      ...HEADINGS.map((heading) => join(scratch, `${fileOf(heading)}.mts`)),
    ],
    { cwd: scratch, encoding: 'utf8' },
  );
  return join(scratch, 'out');
}
let compiled: string | undefined;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The first ```ts block under a heading, verbatim. */
function snippetUnder(heading: string): string {
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`no ts snippet under ${heading}`);
  return match[1];
}

/** Each `console.log(...)` line's trailing comment is the output it promises. */
function promisedOutputs(snippet: string): string[] {
  return snippet
    .split('\n')
    .filter((line) => line.startsWith('console.log(') && line.includes('// '))
    .map((line) => (line.split('// ')[1] ?? '').split(' ')[0] ?? '');
}

function runSnippet(heading: string, env: Record<string, string> = {}): { snippet: string; output: string } {
  const snippet = snippetUnder(heading);
  compiled ??= compileSnippets();
  const file = join(compiled, `${fileOf(heading)}.mjs`);
  const output = execFileSync(process.execPath, [file], {
    cwd: scratch,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { snippet, output };
}

describe('README', () => {
  it('runs the quick start verbatim (store, migrate, book, list, availability, cancel) as its comments say', () => {
    const { snippet, output } = runSnippet('Quick start');
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(/^scheduled APT-\d{4}-\d{4,}$/),
      'CONFLICT true',
      '1',
      'false',
      'cancelled 2',
    ]);
    for (const promised of promisedOutputs(snippet)) expect(output).toContain(promised);
  });

  it('runs the PostgreSQL example verbatim against the test server', () => {
    const { snippet, output } = runSnippet('PostgreSQL', { DATABASE_URL: inject('databaseUrl') });
    expect(output.trim().split('\n')).toEqual(['true', 'CONFLICT']);
    for (const promised of promisedOutputs(snippet)) expect(output).toContain(promised);
  });

  it('runs the booking-rules example verbatim: explain, limits, availability and an audited override', () => {
    const { snippet, output } = runSnippet('Booking rules');
    expect(output.trim().split('\n')).toEqual([
      'OUTSIDE_HOURS',
      'DAY_OFF',
      'MIN_NOTICE',
      'BEYOND_HORIZON',
      'UNAVAILABLE PERIOD_LIMIT',
      '0',
      'PERIOD_LIMIT',
    ]);
    for (const promised of promisedOutputs(snippet)) expect(output).toContain(promised);
  });

  it('runs the series example verbatim: book, move this-and-following across DST, extend', () => {
    const { snippet, output } = runSnippet('Recurring series');
    expect(output.trim().split('\n')).toEqual([
      '03-21T10:00 03-28T10:00 04-04T09:00 04-11T09:00',
      '04-18T09:00 04-25T09:00',
      'weekly | FREQ=WEEKLY;COUNT=6;BYDAY=TH',
    ]);
    for (const promised of promisedOutputs(snippet)) expect(output).toContain(promised);
  });

  it('runs the pure-core example verbatim and prints what its comments promise', () => {
    const { snippet, output } = runSnippet('The pure core');
    for (const promised of promisedOutputs(snippet)) expect(output).toContain(promised);
    expect(output).toContain("'2026-03-09T13:00:00.000Z'");
    expect(output).toContain("'2026-03-30T07:00:00.000Z'");
  });
});
