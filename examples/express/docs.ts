import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Express } from 'express';

/**
 * Interactive API docs (Swagger UI) over the OpenAPI document. The page and its assets are
 * served by the app itself from `swagger-ui-dist` in node_modules, never from a CDN, so the docs
 * work on a machine with no internet access and the page loads nothing from another origin
 * (its Content-Security-Policy says so to the browser).
 *
 * Swagger UI was chosen over alternatives because `swagger-ui-dist` is one prebuilt bundle with
 * no runtime dependencies to serve, renders OpenAPI 3.1, and lets a reader try each operation
 * with a bearer token.
 */

const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist the page needs, by the name they are served under. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'swagger-ui.css',
  'swagger-ui-bundle.js': 'swagger-ui-bundle.js',
  'favicon-32x32.png': 'favicon-32x32.png',
};

/**
 * Starts Swagger UI on the document named by the script's `data-spec`. The validator badge is off:
 * it would send the document to an outside service.
 */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: document.currentScript.dataset.spec,
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: true,
  validatorUrl: null,
});
`;

// Only this origin: no CDN, no fonts or scripts from elsewhere. Swagger UI sets inline styles.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The paths the docs are served at, relative to the API's base path (`/docs` is the page). */
export const DOCS_PATHS: readonly string[] = [
  '/docs',
  '/docs/init.js',
  ...Object.keys(ASSETS).map((name) => `/docs/${name}`),
];

/**
 * Serves the docs page at `${basePath}/docs`, for the document at `${basePath}/openapi.json`.
 * Both are public: reading the contract needs no token (trying an operation does).
 */
export function mountDocs(app: Express, basePath: string): void {
  app.get(`${basePath}/docs`, (request, response) => {
    // Links are absolute, built from where the app is mounted, so `/docs/` and a host that
    // mounts this app under a prefix both get working asset URLs.
    const base = escapeHtml(`${request.baseUrl}${basePath}`);
    response
      .set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .type('html')
      .send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>appointment-kit example API</title>
<link rel="icon" type="image/png" href="${base}/docs/favicon-32x32.png">
<link rel="stylesheet" href="${base}/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${base}/docs/swagger-ui-bundle.js"></script>
<script src="${base}/docs/init.js" data-spec="${base}/openapi.json"></script>
</body>
</html>
`);
  });
  app.get(`${basePath}/docs/init.js`, (_request, response) => {
    response.type('text/javascript').send(INIT_SCRIPT);
  });
  for (const [name, file] of Object.entries(ASSETS)) {
    app.get(`${basePath}/docs/${name}`, (_request, response) => {
      // Without a callback Express hands a read error to the error handler itself, and ignores
      // the client going away mid-file.
      response.sendFile(join(SWAGGER_UI, file), { maxAge: '1h' });
    });
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
