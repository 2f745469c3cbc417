import type { Actor, ChangeOptions, Scheduler } from 'appointment-kit';
import { SchedulingError, StaleVersionError, ValidationError } from 'appointment-kit';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
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
 * The REST API of SPEC §17 over a Scheduler: bearer auth with a permission matrix, ETag/If-Match
 * on changes, and every error as `{ error: { code, message, details } }`.
 */
export function createApp({ scheduler, authenticate, providers, patients }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '100kb' }));

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
      const timeFields = ['start', 'durationMinutes'].filter((field) => field in body);
      const detailFields = Object.keys(body).filter((field) => !timeFields.includes(field));
      if (timeFields.length > 0 && detailFields.length > 0) {
        // Two changes would be two versions: refuse rather than half-apply.
        throw ValidationError.forField(detailFields[0] ?? '', 'Change the time and the details in separate requests');
      }
      const options = ifMatch(request);
      const actor = actorOf(response);
      const id = param(request, 'id');
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
      const appointment = await scheduler.cancel(
        param(request, 'id'),
        request.body ?? {},
        actorOf(response),
        ifMatch(request),
      );
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
        const appointment = await action(param(request, 'id'), actorOf(response), ifMatch(request));
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

function ifMatch(request: Request): ChangeOptions | undefined {
  const header = request.get('if-match');
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!match) throw ValidationError.forField('If-Match', 'Must be an ETag of this API, e.g. "3"');
  return { expectedVersion: Number(match[1]) };
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
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') {
    sendError(response, 400, 'MALFORMED_JSON', 'The body is not valid JSON', {});
    return;
  }
  if (type === 'entity.too.large') {
    sendError(response, 413, 'PAYLOAD_TOO_LARGE', 'The body is larger than 100 kB', {});
    return;
  }
  console.error(error);
  sendError(response, 500, 'INTERNAL_ERROR', 'The request could not be completed', {});
};
