import { STATUS_CODES } from 'node:http';
import type { Scheduler } from 'appointment-kit';
import { SchedulingError, StaleVersionError } from 'appointment-kit';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { type Authenticate, actorOf, allowed, authenticated, UnauthenticatedError } from './auth.js';
import type { DemoPatient, DemoProvider } from './demo-data.js';
import { DOCS_PATHS, mountDocs } from './docs.js';
import { ClientError } from './http.js';
import { buildOpenApiDocument } from './openapi.js';
import { defineRoutes, type Route } from './routes.js';

export { etagOf } from './http.js';

/** Where the API is mounted in the app. */
export const API_BASE = '/api/v1';

/** The routes served without a token: the OpenAPI document and the docs page over it. */
export const PUBLIC_PATHS: readonly string[] = [
  `${API_BASE}/openapi.json`,
  ...DOCS_PATHS.map((path) => API_BASE + path),
];

/** What the example app needs from its host. */
export interface AppOptions {
  readonly scheduler: Scheduler;
  readonly authenticate: Authenticate;
  /** The directory's people, listed by `GET /api/v1/providers` and `/patients`. */
  readonly providers: readonly DemoProvider[];
  readonly patients: readonly DemoPatient[];
  /** The current instant, for windows such as the calendar feed's; default the system clock. Give the scheduler's. */
  readonly clock?: () => Date;
}

/**
 * The example REST API over a Scheduler: bearer auth with a permission matrix, ETag/If-Match on
 * changes, and every error as `{ error: { code, message, details } }`. Its routes and its OpenAPI
 * document both come from the route table in routes.ts.
 */
export function createApp({ scheduler, authenticate, providers, patients, clock }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(refuseOtherBodies, express.json({ limit: '100kb' }));

  const routes = defineRoutes({ scheduler, providers, patients, clock: clock ?? (() => new Date()) });
  const openApi = buildOpenApiDocument(routes, scheduler.schemas, {
    basePath: API_BASE,
    examples: { providerId: providers[0]?.id, patientId: patients[0]?.id },
  });
  app.get(`${API_BASE}/openapi.json`, (_request, response) => {
    response.json(openApi);
  });
  mountDocs(app, API_BASE);

  const api = express.Router();
  for (const route of routes) {
    // Authentication sits on each route, so an unknown path is a 404 for everyone.
    api[route.method](
      expressPath(route.path),
      authenticated(authenticate, { queryToken: route.queryToken ?? false }),
      allowed(route.permission),
      serve(route),
    );
  }
  app.use(API_BASE, api);

  app.use((request, response) => {
    sendError(response, 404, 'NOT_FOUND', `No route for ${request.method} ${request.path}`, {});
  });
  app.use(errorHandler);
  return app;
}

/** `/appointments/{id}/cancel` → `/appointments/:id/cancel`. */
function expressPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

/** Runs a route's handler and sends its reply with the route's success status. */
function serve(route: Route): RequestHandler {
  return (request, response, next) => {
    route
      .handle({ request, actor: actorOf(response) })
      .then(({ body, headers }) => {
        for (const [name, value] of Object.entries(headers ?? {})) response.set(name, value);
        response.status(route.success.status);
        // A token in the URL must not end up in a shared cache's copy (RFC 6750 §2.3).
        if (route.queryToken === true) response.set('Cache-Control', 'private');
        if (route.success.mediaType === 'text/calendar') {
          response.type('text/calendar; charset=utf-8').send(body);
        } else {
          // Dates become ISO strings in JSON.stringify, exactly as the response schemas' codecs
          // document them; encoding through the schemas would re-validate every response at run time.
          response.type(route.success.mediaType ?? 'application/json').send(JSON.stringify(body));
        }
      })
      .catch(next);
  };
}

function sendError(
  response: Response,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown>,
): void {
  response.status(status).json({ error: { code, message, details } });
}

/**
 * Bodies are JSON or absent. A non-empty body of another type is refused rather than ignored, so
 * text or a form is never taken for "no body"; the type of an empty body does not matter.
 */
const refuseOtherBodies: RequestHandler = (request, _response, next) => {
  const refused = hasContent(request) && !request.is('application/json');
  next(refused ? new ClientError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body must be application/json') : undefined);
};

function hasContent(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

/** The body parser's errors, by type, as this API names and explains them. */
const BODY_ERRORS: ReadonlyMap<string, { readonly code: string; readonly message: string }> = new Map([
  ['entity.parse.failed', { code: 'MALFORMED_JSON', message: 'The body is not valid JSON' }],
  ['entity.too.large', { code: 'PAYLOAD_TOO_LARGE', message: 'The body is larger than 100 kB' }],
  ['charset.unsupported', { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The charset of the body is not supported' }],
  [
    'encoding.unsupported',
    { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The Content-Encoding of the body is not supported' },
  ],
]);

/**
 * How to answer an error from Express's own parts (body parser, router) that carries a 4xx
 * `status`: that status, and its message only when the error marks it safe to show (`expose`).
 */
function clientErrorOf(error: unknown): ClientError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode, type, expose, message } = error as Record<string, unknown>;
  const httpStatus = typeof status === 'number' ? status : statusCode;
  if (typeof httpStatus !== 'number' || !Number.isInteger(httpStatus) || httpStatus < 400 || httpStatus > 499) {
    return undefined;
  }
  const known = typeof type === 'string' ? BODY_ERRORS.get(type) : undefined;
  if (known !== undefined) return new ClientError(httpStatus, known.code, known.message);
  const reason = STATUS_CODES[httpStatus] ?? 'Client Error';
  const code = reason.toUpperCase().replace(/[^A-Z]+/g, '_');
  // The router's decoding error quotes the raw path; a fixed message echoes nothing back.
  if (error instanceof URIError)
    return new ClientError(httpStatus, code, 'The path is not valid percent-encoded UTF-8');
  return new ClientError(httpStatus, code, expose === true && typeof message === 'string' ? message : reason);
}

const errorHandler: ErrorRequestHandler = (error, request, response, _next) => {
  if (error instanceof SchedulingError) {
    // A stale If-Match is a failed precondition; without one, a lost race is a conflict.
    const status = error instanceof StaleVersionError && request.get('if-match') !== undefined ? 412 : error.httpStatus;
    if (status >= 500) {
      console.error(error);
      sendError(response, status, error.code, 'The request could not be completed', {});
      return;
    }
    sendError(response, status, error.code, error.message, error.details);
    return;
  }
  if (error instanceof UnauthenticatedError) {
    response.set('WWW-Authenticate', error.bearerError === null ? 'Bearer' : `Bearer error="${error.bearerError}"`);
    sendError(response, 401, error.code, error.message, {});
    return;
  }
  const clientError = error instanceof ClientError ? error : clientErrorOf(error);
  if (clientError !== undefined) {
    sendError(response, clientError.status, clientError.code, clientError.message, clientError.details);
    return;
  }
  console.error(error);
  sendError(response, 500, 'INTERNAL_ERROR', 'The request could not be completed', {});
};
