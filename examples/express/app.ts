import { STATUS_CODES } from 'node:http';
import type { Actor, ChangeOptions, Scheduler } from 'appointment-kit';
import { SchedulingError, StaleVersionError, ValidationError } from 'appointment-kit';
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { type Authenticate, actorOf, allowed, authenticated, type Permission, UnauthenticatedError } from './auth.js';
import type { DemoPatient, DemoProvider } from './demo-data.js';
import { buildOpenApiDocument } from './openapi.js';

/** What the example app needs from its host. */
export interface AppOptions {
  readonly scheduler: Scheduler;
  readonly authenticate: Authenticate;
  /** The directory's people, listed by `GET /api/v1/providers` and `/patients`. */
  readonly providers: readonly DemoProvider[];
  readonly patients: readonly DemoPatient[];
}

type Handler = (request: Request, response: Response) => Promise<void>;

/**
 * The example REST API over a Scheduler: bearer auth with a permission matrix, ETag/If-Match on
 * changes, and every error as `{ error: { code, message, details } }`.
 */
export function createApp({ scheduler, authenticate, providers, patients }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(refuseOtherBodies, express.json({ limit: '100kb' }));

  const openApi = buildOpenApiDocument(scheduler.schemas);
  app.get('/api/v1/openapi.json', (_request, response) => {
    response.json(openApi);
  });

  const api = express.Router();
  // Authentication sits on each route, so an unknown path is a 404 for everyone.
  const route = (permission: Permission, handler: Handler) => [
    authenticated(authenticate),
    allowed(permission),
    (request: Request, response: Response, next: NextFunction) => handler(request, response).catch(next),
  ];

  api.get(
    '/providers',
    ...route('read', async (_request, response) => {
      response.json({ items: providers.map(({ active: _active, ...provider }) => provider) });
    }),
  );
  api.get(
    '/patients',
    ...route('read', async (_request, response) => {
      response.json({ items: patients.map(({ id, name }) => ({ id, name })) });
    }),
  );

  const appointments = express.Router();
  appointments.get(
    '/availability',
    ...route('read', async (request, response) => {
      response.json(await scheduler.availability(request.query));
    }),
  );
  appointments.get(
    '/suggestions',
    ...route('read', async (request, response) => {
      response.json({ items: await scheduler.suggest(request.query) });
    }),
  );
  for (const [path, view] of [
    ['daily', 'day'],
    ['weekly', 'week'],
    ['monthly', 'month'],
  ] as const) {
    appointments.get(
      `/schedule/${path}`,
      ...route('read', async (request, response) => {
        response.json(await scheduler.schedule({ ...request.query, view }, actorOf(response)));
      }),
    );
  }
  appointments.get(
    '/statistics',
    ...route('statistics', async (request, response) => {
      response.json(await scheduler.statistics(request.query));
    }),
  );
  appointments.post(
    '/series/:seriesId/cancel',
    ...route('cancel', async (request, response) => {
      response.json(await scheduler.cancelSeries(param(request, 'seriesId'), request.body, actorOf(response)));
    }),
  );
  appointments.get(
    '/',
    ...route('read', async (request, response) => {
      response.json(await scheduler.list(request.query, actorOf(response)));
    }),
  );
  appointments.post(
    '/',
    ...route('create', async (request, response) => {
      const key = request.get('idempotency-key');
      const input = key === undefined ? request.body : { ...objectBody(request), idempotencyKey: key };
      const result = await scheduler.book(input, actorOf(response));
      response
        .status(201)
        .location(`${request.baseUrl}/${result.appointment.id}`)
        .set('ETag', etagOf(result.appointment.version))
        .json(result);
    }),
  );
  appointments.get(
    '/:id',
    ...route('read', async (request, response) => {
      const appointment = await scheduler.get(param(request, 'id'), actorOf(response));
      response.set('ETag', etagOf(appointment.version)).json(appointment);
    }),
  );
  appointments.put(
    '/:id',
    ...route('update', async (request, response) => {
      const body = objectBody(request);
      const timeFields = ['start', 'durationMinutes'].filter((field) => Object.hasOwn(body, field));
      const detailFields = Object.keys(body).filter((field) => !timeFields.includes(field));
      if (timeFields.length > 0 && detailFields.length > 0) {
        // Two changes would be two versions: refuse rather than half-apply.
        throw ValidationError.forField(detailFields[0] ?? '', 'Change the time and the details in separate requests');
      }
      const actor = actorOf(response);
      const id = param(request, 'id');
      const options = await ifMatch(request, id, actor);
      const appointment =
        timeFields.length > 0
          ? await scheduler.reschedule(id, body, actor, options)
          : await scheduler.update(id, body, actor, options);
      response.set('ETag', etagOf(appointment.version)).json(appointment);
    }),
  );
  appointments.post(
    '/:id/cancel',
    ...route('cancel', async (request, response) => {
      const id = param(request, 'id');
      const actor = actorOf(response);
      const appointment = await scheduler.cancel(id, request.body ?? {}, actor, await ifMatch(request, id, actor));
      response.set('ETag', etagOf(appointment.version)).json(appointment);
    }),
  );
  const actions: Record<
    string,
    (id: string, actor: Actor, options?: ChangeOptions) => ReturnType<Scheduler['confirm']>
  > = {
    confirm: scheduler.confirm,
    'check-in': scheduler.checkIn,
    complete: scheduler.complete,
    'no-show': scheduler.markNoShow,
  };
  for (const [path, action] of Object.entries(actions)) {
    appointments.post(
      `/:id/${path}`,
      ...route('update', async (request, response) => {
        const id = param(request, 'id');
        const actor = actorOf(response);
        const appointment = await action(id, actor, await ifMatch(request, id, actor));
        response.set('ETag', etagOf(appointment.version)).json(appointment);
      }),
    );
  }
  appointments.get(
    '/:id/audit',
    ...route('audit', async (request, response) => {
      response.json({ items: await scheduler.auditTrail(param(request, 'id')) });
    }),
  );

  /**
   * The change options an If-Match header asks for (RFC 9110 §13.1.1). One version is handed to
   * the Scheduler, which compares it atomically with the write; a list with several is matched
   * against the current version first, and the matching one handed on, so a change racing in
   * between still fails.
   */
  async function ifMatch(request: Request, id: string, actor: Actor): Promise<ChangeOptions | undefined> {
    const header = request.get('if-match');
    if (header === undefined) return undefined;
    const condition = parseIfMatch(header);
    if (condition === null) {
      throw ValidationError.forField('If-Match', 'Must be "*" or a comma-separated list of ETags, e.g. "3"');
    }
    if (condition === '*') return {};
    const versions = [...new Set(condition.flatMap((tag) => versionOfStrongTag(tag) ?? []))];
    if (versions.length === 1) return { expectedVersion: versions[0] };
    const { version } = await scheduler.get(id, actor);
    if (!versions.includes(version)) throw new PreconditionFailedError(version);
    return { expectedVersion: version };
  }

  api.use('/appointments', appointments);
  app.use('/api/v1', api);

  app.use((request, response) => {
    sendError(response, 404, 'NOT_FOUND', `No route for ${request.method} ${request.path}`, {});
  });
  app.use(errorHandler);
  return app;
}

/** `"3"` for version 3: the ETag a client sends back in If-Match. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** One entity-tag of an If-Match list: its opaque text and whether it is weak (`W/"3"`). */
interface EntityTag {
  readonly opaque: string;
  readonly weak: boolean;
}

/** `[weak] DQUOTE *etagc DQUOTE`, etagc being any visible character but `"`, or obs-text. */
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/y;

/**
 * `*`, or the entity-tags of the header's list (possibly none: the list syntax allows empty
 * elements); null when the header is not that syntax.
 */
function parseIfMatch(header: string): '*' | EntityTag[] | null {
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  let position = 0;
  let afterTag = false;
  while (position < header.length) {
    const character = header[position];
    if (character === ' ' || character === '\t') {
      position += 1;
    } else if (character === ',') {
      afterTag = false;
      position += 1;
    } else {
      // Two tags need a comma between them.
      if (afterTag) return null;
      ENTITY_TAG.lastIndex = position;
      const match = ENTITY_TAG.exec(header);
      if (match === null) return null;
      tags.push({ opaque: match[2] ?? '', weak: match[1] !== undefined });
      afterTag = true;
      position = ENTITY_TAG.lastIndex;
    }
  }
  return tags;
}

/**
 * The version a tag names under the strong comparison If-Match requires: only a strong tag whose
 * text is exactly what {@link etagOf} writes. `W/"3"`, `"03"` and `"a"` name none.
 */
function versionOfStrongTag({ opaque, weak }: EntityTag): number | undefined {
  if (weak || !/^[1-9][0-9]*$/.test(opaque)) return undefined;
  const version = Number(opaque);
  return Number.isSafeInteger(version) ? version : undefined;
}

function param(request: Request, name: string): string {
  return String(request.params[name]);
}

function objectBody(request: Request): Record<string, unknown> {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ValidationError.forField('', 'The body must be a JSON object');
  }
  return body as Record<string, unknown>;
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
 * A client error found by the HTTP layer itself rather than by the Scheduler: a body that is not
 * JSON, an If-Match no current version matches.
 */
class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** If-Match listed several tags and none is the current version: 412, and the version to re-read. */
class PreconditionFailedError extends ClientError {
  constructor(actualVersion: number) {
    super(412, 'STALE_VERSION', 'If-Match names no current version of the appointment', { actualVersion });
  }
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
    response.set('WWW-Authenticate', 'Bearer');
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
