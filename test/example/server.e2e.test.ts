import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'appointment-kit-example-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts the example with the very command `npm run example` runs, on an ephemeral port. */
async function startExample(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { example: string } })
    .scripts.example;
  const child = spawn('sh', ['-c', `exec ${script}`], {
    cwd: root,
    env: {
      ...process.env,
      PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`,
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in:\n${output}`)), 45_000);
    child.stdout?.on('data', () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
  return { child, base: `http://127.0.0.1:${port}/api/v1`, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

const auth = { Authorization: 'Bearer demo-receptionist', 'Content-Type': 'application/json' };
const LEE = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const ALICE = '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, checked by the assertions.
const jsonOf = async (response: Response): Promise<any> => response.json();

async function bookListCancel(base: string) {
  const suggestions = await fetch(`${base}/appointments/suggestions?providerId=${LEE}&type=consultation&limit=1`, {
    headers: auth,
  });
  const [slot] = (await jsonOf(suggestions)).items;
  const created = await fetch(`${base}/appointments`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ patientId: ALICE, providerId: LEE, type: 'consultation', start: slot.start }),
  });
  expect(created.status).toBe(201);
  const { appointment } = await jsonOf(created);
  expect(created.headers.get('location')).toBe(`/api/v1/appointments/${appointment.id}`);
  const list = await jsonOf(await fetch(`${base}/appointments?providerId=${LEE}&type=consultation`, { headers: auth }));
  expect(list.items.map((item: { id: string }) => item.id)).toContain(appointment.id);
  const cancelled = await fetch(`${base}/appointments/${appointment.id}/cancel`, {
    method: 'POST',
    headers: { ...auth, 'If-Match': created.headers.get('etag') ?? '' },
    body: JSON.stringify({ reason: 'Patient called' }),
  });
  expect(cancelled.status).toBe(200);
  expect((await jsonOf(cancelled)).status).toBe('cancelled');
}

describe('the example server, started as `npm run example` does', () => {
  it('serves on SQLite: books, lists and cancels over HTTP, runs the README walk-through, stops cleanly on SIGTERM', async () => {
    const { child, base, output } = await startExample({ EXAMPLE_DATA_DIR: dataDir });
    try {
      await bookListCancel(base);
      // The README's curl walk-through, as written, against this server's port.
      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      const walkThrough = (
        /```bash\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('A walk-through with curl')))?.[1] ?? ''
      ).replace('http://127.0.0.1:3000', base.replace('/api/v1', ''));
      const printed = execFileSync('bash', ['-euo', 'pipefail', '-c', walkThrough], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(printed[0]).toMatch(/^[1-9]\d*$/);
      expect(Number(printed[1])).toBeGreaterThan(0);
      expect(printed[2]).toBe('cancelled');
      expect(output()).toContain('demo-receptionist (receptionist)');
    } finally {
      expect(await stop(child)).toBe(0);
    }
    expect(output()).toContain('SIGTERM: finishing in-flight requests');
  }, 90_000);

  it('seeds only once and keeps its data across restarts', async () => {
    const { child, output } = await startExample({ EXAMPLE_DATA_DIR: dataDir });
    expect(output()).not.toContain('Seeded demo appointments');
    expect(await stop(child)).toBe(0);
  }, 90_000);

  it('serves on PostgreSQL when DATABASE_URL is set', async () => {
    const { child, base, output } = await startExample({ DATABASE_URL: inject('databaseUrl') });
    try {
      expect(output()).toContain('(PostgreSQL)');
      await bookListCancel(base);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  }, 90_000);
});
