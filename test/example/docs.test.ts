import { createScheduler } from 'appointment-kit';
import { createSqliteStore, type SqliteStore } from 'appointment-kit/sqlite';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import {
  authenticateDemoToken,
  DEMO_PATIENTS,
  DEMO_PROVIDERS,
  demoDirectory,
} from '../../examples/express/demo-data.js';

/**
 * The docs page without a browser: public, self-contained (every asset from this server, a
 * Content-Security-Policy that forbids any other origin) and wired to the OpenAPI document.
 * docs.e2e.test.ts renders it in Chromium where one is installed.
 */

let store: SqliteStore;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  store = createSqliteStore({ filename: ':memory:' });
  await store.migrate();
  const scheduler = createScheduler({ store, directory: demoDirectory });
  app = createApp({
    scheduler,
    authenticate: authenticateDemoToken,
    providers: DEMO_PROVIDERS,
    patients: DEMO_PATIENTS,
  });
});
afterAll(async () => {
  await store.close();
});

/** The `src` and `href` URLs of a page. */
const linksOf = (html: string) => [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');

describe('GET /api/v1/docs', () => {
  it('is public HTML whose every asset comes from this server, as its CSP demands', async () => {
    const page = await request(app).get('/api/v1/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const policy = page.headers['content-security-policy'] ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toMatch(/https?:|\*/);
    const links = linksOf(page.text);
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const link of links) expect(link).toMatch(/^\/api\/v1\/docs\/[\w.-]+$/);

    for (const [link, type] of [
      ['/api/v1/docs/swagger-ui-bundle.js', /^text\/javascript/],
      ['/api/v1/docs/swagger-ui.css', /^text\/css/],
      ['/api/v1/docs/init.js', /^text\/javascript/],
      ['/api/v1/docs/favicon-32x32.png', /^image\/png/],
    ] as const) {
      expect(links).toContain(link);
      const asset = await request(app).get(link).buffer(true);
      expect(`${link} → ${asset.status}`).toBe(`${link} → 200`);
      expect(asset.headers['content-type']).toMatch(type);
    }
  });

  it('starts Swagger UI on the OpenAPI document, with nothing sent to an outside validator', async () => {
    const page = await request(app).get('/api/v1/docs');
    const spec = /data-spec="([^"]+)"/.exec(page.text)?.[1];
    expect(spec).toBe('/api/v1/openapi.json');
    const document = await request(app).get(spec ?? '');
    expect(document.body.openapi).toBe('3.1.0');
    const script = (await request(app).get('/api/v1/docs/init.js')).text;
    expect(script).toContain('SwaggerUIBundle(');
    expect(script).toContain('document.currentScript.dataset.spec');
    expect(script).toContain('validatorUrl: null');
    const bundle = (await request(app).get('/api/v1/docs/swagger-ui-bundle.js').buffer(true)).text;
    expect(bundle).toContain('SwaggerUIBundle');
  });

  it('links its assets from wherever the app is mounted, with or without a trailing slash', async () => {
    const host = express().use('/clinic', app);
    for (const path of ['/clinic/api/v1/docs', '/clinic/api/v1/docs/']) {
      const page = await request(host).get(path);
      expect(page.status).toBe(200);
      for (const link of linksOf(page.text)) {
        expect(link).toMatch(/^\/clinic\/api\/v1\/docs\//);
        expect((await request(host).get(link).buffer(true)).status).toBe(200);
      }
      expect(page.text).toContain('data-spec="/clinic/api/v1/openapi.json"');
    }
  });
});
