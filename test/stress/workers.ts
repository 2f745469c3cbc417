import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs a worker script of this folder in its own Node process and gives what it printed; a worker
 * that exits with an error rejects, with its stderr.
 */
export function runWorker(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

/** Runs a worker that prints one JSON summary, and gives it parsed. */
export async function runJsonWorker<T>(script: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await runWorker(script, args)) as T;
}
