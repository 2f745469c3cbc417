#!/usr/bin/env node
/**
 * The `appointment-kit` command (package.json `bin`): `appointment-kit migrate …`, so a database
 * administrator can apply or review the schema migrations without starting the application.
 *
 * @packageDocumentation
 */
import { runCli } from './migrate-command.js';

// `… --print-sql | head` closes the pipe early: the rest of the output is unwanted, but the
// command must still finish (and a migration still commit) rather than die on EPIPE.
let stdoutOpen = true;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutOpen = false;
});

runCli(process.argv.slice(2), {
  out: (line) => {
    if (stdoutOpen) process.stdout.write(`${line}\n`);
  },
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  // exitCode rather than exit(): pending output reaches a pipe before the process ends.
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`appointment-kit: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
