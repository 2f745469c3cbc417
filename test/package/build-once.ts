import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// The package tests import the built files, so build them first: a stale dist/ must never
// make them pass.
export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--silent'], {
    cwd: root,
    stdio: 'inherit',
  });
}
