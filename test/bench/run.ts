import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { coreBenchmarks } from './core.js';
import { printTable, type Result } from './measure.js';
import { postgresBenchmarks, sqliteBenchmarks } from './stores.js';

/**
 * `npm run bench`: every workload next to its baseline, measured in the same run, as a table
 * of medians and ratios and a JSON file. Nothing here is a test: targets are reported, not asserted.
 */
const started = Date.now();
const results: Result[] = [];
for (const [section, run] of [
  ['core', coreBenchmarks],
  ['SQLite', sqliteBenchmarks],
  ['PostgreSQL', postgresBenchmarks],
] as const) {
  console.log(`… ${section}`);
  results.push(...(await run()));
}
const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`\nappointment-kit benchmarks (${machine}), ${Math.round((Date.now() - started) / 1000)} s\n`);
printTable(results);
const directory = resolve('bench-results');
mkdirSync(directory, { recursive: true });
const file = join(directory, `bench-${new Date().toISOString().replaceAll(':', '-')}.json`);
writeFileSync(file, `${JSON.stringify({ machine, at: new Date().toISOString(), results }, null, 2)}\n`);
console.log(`\nResults written to ${file}`);
