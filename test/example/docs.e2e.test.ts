import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { createScheduler, type Scheduler } from 'appointment-kit';
import { createSqliteStore, type SqliteStore } from 'appointment-kit/sqlite';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import {
  authenticateDemoToken,
  DEMO_PATIENTS,
  DEMO_PROVIDERS,
  demoDirectory,
} from '../../examples/express/demo-data.js';
import { defineRoutes } from '../../examples/express/routes.js';

/**
 * The docs page in a real browser: headless Chromium loads `/api/v1/docs` from the example on an
 * ephemeral port, runs Swagger UI, and the rendered DOM must list every operation. Chromium is
 * Debian's package; where it is not installed, this test is skipped (with the reason printed)
 * rather than installing anything.
 */

const run = promisify(execFile);

/** Debian's Chromium on PATH (or CHROMIUM_PATH), or undefined. */
function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .flatMap((directory) => ['chromium', 'chromium-browser'].map((name) => join(directory, name))),
  ];
  return candidates.find((path) => {
    if (path === undefined || path === '') return false;
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const chromium = findChromium();
if (chromium === undefined) {
  console.warn(
    'docs.e2e.test.ts: skipped, no Chromium found (PATH or CHROMIUM_PATH); on Debian: apt-get install chromium',
  );
}

let store: SqliteStore;
let scheduler: Scheduler;
let server: Server;
let base: string;
/** Every path the browser asked the server for. */
const requested: string[] = [];
const profile = mkdtempSync(join(tmpdir(), 'appointment-kit-chromium-'));

beforeAll(async () => {
  store = createSqliteStore({ filename: ':memory:' });
  await store.migrate();
  scheduler = createScheduler({ store, directory: demoDirectory });
  const app = createApp({
    scheduler,
    authenticate: authenticateDemoToken,
    providers: DEMO_PROVIDERS,
    patients: DEMO_PATIENTS,
  });
  const host = express()
    .use((request, _response, next) => {
      requested.push(request.path);
      next();
    })
    .use(app);
  server = host.listen(0, '127.0.0.1');
  await new Promise<void>((ready, fail) => server.once('listening', ready).once('error', fail));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  await store.close();
  rmSync(profile, { recursive: true, force: true });
});

describe('the docs page in headless Chromium', () => {
  it.skipIf(chromium === undefined)(
    'renders every operation of the route table from local assets only',
    async () => {
      const started = performance.now();
      const { stdout: dom, stderr } = await run(
        chromium ?? '',
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          // The machine has no route out: without these Chromium keeps trying to reach its services.
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${profile}`,
          // Virtual time lets the page load, fetch the document and render before the DOM is taken.
          '--virtual-time-budget=20000',
          // Console messages (a CSP violation among them) go to stderr.
          '--enable-logging=stderr',
          '--v=0',
          '--dump-dom',
          `${base}/api/v1/docs`,
        ],
        { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
      );
      const seconds = ((performance.now() - started) / 1000).toFixed(1);

      const routes = defineRoutes({ scheduler, providers: DEMO_PROVIDERS, patients: DEMO_PATIENTS });
      const missing = routes.filter(
        (route) => !dom.includes(`>${route.operationId}<`) || !dom.includes(escapeHtml(route.summary)),
      );
      expect(
        missing.map((route) => route.operationId),
        `operations missing from the rendered page after ${seconds}s`,
      ).toEqual([]);
      expect(dom).toContain('appointment-kit example API');
      expect(dom).toContain('Workflow');

      // Nothing was refused or failed to load: a CDN or font URL would show here as a CSP violation.
      const consoleLines = stderr.split('\n').filter((line) => line.includes(':CONSOLE'));
      expect(consoleLines.filter((line) => /Content Security Policy|Failed to load|ERR_/.test(line))).toEqual([]);
      // The page needed the document and its own assets, and asked this server for nothing else.
      expect(requested).toEqual(
        expect.arrayContaining([
          '/api/v1/docs',
          '/api/v1/docs/init.js',
          '/api/v1/docs/swagger-ui-bundle.js',
          '/api/v1/docs/swagger-ui.css',
          '/api/v1/openapi.json',
        ]),
      );
      for (const path of requested) expect(path).toMatch(/^\/api\/v1\/(?:openapi\.json|docs(?:\/[\w.-]+)?)$/);
      console.info(`docs.e2e.test.ts: Chromium rendered ${routes.length} operations in ${seconds}s`);
    },
    90_000,
  );
});

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
