import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createScheduler, type Scheduler } from 'appointment-kit';
import { createSqliteStore, type SqliteStore } from 'appointment-kit/sqlite';
import { JSDOM, ResourceLoader, VirtualConsole } from 'jsdom';
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
 * The docs page rendered without a browser: jsdom loads `/api/v1/docs` from the example on an
 * ephemeral port, runs its scripts (Swagger UI and the page's own) and must list every operation
 * of the route table. It needs nothing but npm packages, so it runs wherever the suite does;
 * docs.e2e.test.ts does the same in real Chromium where that is installed.
 */

/** Loads subresources from the page's own origin only, as the page's CSP makes a browser do. */
class SameOriginLoader extends ResourceLoader {
  constructor(
    private readonly origin: string,
    private readonly requested: string[],
  ) {
    super();
  }

  override fetch(url: string, options: { readonly element?: unknown }) {
    this.requested.push(url);
    return new URL(url).origin === this.origin ? super.fetch(url, options) : null;
  }
}

let store: SqliteStore;
let scheduler: Scheduler;
let server: Server;
let origin: string;
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
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((ready, fail) => server.once('listening', ready).once('error', fail));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  await store.close();
});

describe('the docs page, rendered in jsdom', () => {
  it('lists every operation of the route table, loading nothing from another origin', async () => {
    const requested: string[] = [];
    const problems: string[] = [];
    const virtualConsole = new VirtualConsole()
      // jsdom has no layout: Swagger UI's scrolling to a deep link is all it does not implement.
      .on('jsdomError', (error) => {
        if (!error.message.startsWith('Not implemented: window.scrollTo')) problems.push(error.message);
      })
      .on('error', (...values) => problems.push(values.map(String).join(' ')));
    const dom = await JSDOM.fromURL(`${origin}/api/v1/docs`, {
      runScripts: 'dangerously',
      resources: new SameOriginLoader(origin, requested),
      pretendToBeVisual: true,
      virtualConsole,
      beforeParse(window) {
        // jsdom has no fetch; Swagger UI reads the document with it. Same origin only, here too.
        window.fetch = (input, init) => {
          const url = new URL(String(input), window.location.href);
          requested.push(url.href);
          return url.origin === origin
            ? fetch(url, init as RequestInit)
            : Promise.reject(new TypeError(`${url} refused`));
        };
      },
    });
    try {
      const routes = defineRoutes({ scheduler, providers: DEMO_PROVIDERS, patients: DEMO_PATIENTS });
      const { document } = dom.window;
      const shown = () => Array.from(document.querySelectorAll('.opblock-summary-operation-id'), (e) => e.textContent);
      for (let waited = 0; shown().length < routes.length && waited < 30_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(shown().sort()).toEqual(routes.map((route) => route.operationId).sort());
      const summaries = Array.from(document.querySelectorAll('.opblock-summary-description'), (e) => e.textContent);
      expect(summaries.sort()).toEqual(routes.map((route) => route.summary).sort());
      expect(document.querySelector('.title')?.textContent).toContain('appointment-kit example API');
      expect(problems).toEqual([]);
      for (const url of requested) expect(new URL(url).origin).toBe(origin);
      expect(requested.map((url) => new URL(url).pathname)).toEqual(
        expect.arrayContaining(['/api/v1/docs/swagger-ui-bundle.js', '/api/v1/docs/init.js', '/api/v1/openapi.json']),
      );
    } finally {
      dom.window.close();
    }
  });
});
