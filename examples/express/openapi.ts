import { instantSchema, localDateSchema, type Schemas } from 'appointment-kit';
import { z } from 'zod';
import { PERMISSIONS } from './auth.js';
import { RESPONSE_COMPONENTS } from './response-schemas.js';
import { bodiesOf, type ErrorStatus, ROUTE_TAGS, type Route } from './routes.js';

/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the
 * Scheduler validates with, so the published contract cannot drift from the checks.
 *
 * The generator is zod's own `z.toJSONSchema` rather than a wrapper library: OpenAPI 3.1 schema
 * objects are JSON Schema 2020-12, which is zod's default target, so the document needs no
 * translation layer, only a registry of names (hoisted under `components/schemas`) and the
 * operation objects around them, which the route table already describes. Request schemas are
 * converted as input (what a client sends: ISO strings, "30" before it is a number) and the
 * response schemas are written with no transforms, so one conversion serves both.
 */

/** A JSON Schema (2020-12) object, as zod writes it. */
export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** `{ $ref }` to a component. */
export interface Reference {
  readonly $ref: string;
}

/** An OpenAPI parameter object. */
export interface ParameterObject {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
  readonly example?: unknown;
  readonly style?: 'form';
  readonly explode?: boolean;
}

/** An OpenAPI header object. */
export interface HeaderObject {
  readonly description: string;
  readonly schema: JsonSchema;
}

/** An OpenAPI response object with a body of one media type. */
export interface ResponseObject {
  readonly description: string;
  readonly headers?: Readonly<Record<string, HeaderObject>>;
  readonly content: Readonly<Record<string, { readonly schema: JsonSchema }>>;
}

/** An OpenAPI operation object. */
export interface OperationObject {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly ParameterObject[];
  readonly requestBody?: {
    readonly required: true;
    readonly content: { readonly 'application/json': { readonly schema: JsonSchema } };
  };
  readonly responses: Readonly<Record<string, ResponseObject | Reference>>;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}

/** The parts of an OpenAPI 3.1 document this generator writes. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description: string;
    readonly license: { readonly name: string; readonly identifier: string };
  };
  readonly servers: readonly { readonly url: string; readonly description: string }[];
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly responses: Readonly<Record<string, ResponseObject>>;
    readonly securitySchemes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
}

const COMPONENT_PREFIX = '#/components/schemas/';

/** What each error status means in this API, and the `code`s that come with it. */
const ERROR_RESPONSES: Readonly<Record<ErrorStatus, { readonly name: string; readonly description: string }>> = {
  400: {
    name: 'BadRequest',
    description:
      'VALIDATION_ERROR with `details.issues` naming every failing field (body, query, path or If-Match); ' +
      'MALFORMED_JSON for a body that does not parse; BAD_REQUEST for a path or body that cannot be decoded.',
  },
  401: { name: 'Unauthenticated', description: 'UNAUTHENTICATED: no valid bearer token.' },
  403: { name: 'Forbidden', description: 'FORBIDDEN: the caller’s role may not do this.' },
  404: {
    name: 'NotFound',
    description: 'NOT_FOUND: `details.entity` and `details.id` name what does not exist.',
  },
  409: {
    name: 'Conflict',
    description:
      'CONFLICT: another appointment holds the time (`details.conflictingIds`); UNAVAILABLE: the provider’s ' +
      'rules refuse the time (`details.reasons`); INVALID_TRANSITION: the status workflow refuses the change ' +
      '(`details.from`, `details.to`); STALE_VERSION: concurrent changes kept winning, read again and retry.',
  },
  412: {
    name: 'PreconditionFailed',
    description: 'STALE_VERSION: If-Match names no current version; `details.actualVersion` is the one to read.',
  },
  413: { name: 'PayloadTooLarge', description: 'PAYLOAD_TOO_LARGE: the body is larger than 100 kB.' },
  415: {
    name: 'UnsupportedMediaType',
    description:
      'UNSUPPORTED_MEDIA_TYPE: the body is not application/json, or its charset or Content-Encoding is not supported.',
  },
  422: {
    name: 'IdempotencyMismatch',
    description:
      'IDEMPOTENCY_MISMATCH: the Idempotency-Key was used for a different request; nothing was booked (`details.key`).',
  },
  500: {
    name: 'InternalError',
    description: 'INTERNAL_ERROR or CONFIGURATION_ERROR: a fault on the server; the message says no more.',
  },
  503: {
    name: 'Busy',
    description:
      'BUSY: the database stayed locked by another writer; nothing was written, and the same call may be retried.',
  },
  507: { name: 'StorageFull', description: 'STORAGE_FULL: the database is out of space; nothing was written.' },
};

const RESPONSE_HEADERS = {
  ETag: {
    description: 'The appointment’s version as a strong entity-tag, e.g. `"3"`: send it back in If-Match.',
    schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
  },
  Location: { description: 'The path of the booked appointment.', schema: { type: 'string', format: 'uri-reference' } },
} as const satisfies Record<string, HeaderObject>;

/**
 * The named request-side schemas: the Scheduler's own, so every constraint (lengths, ranges,
 * enums of the host's catalogue) is the one it enforces. `json` adds what a refinement checks
 * but zod cannot express in JSON Schema, and words for the reader.
 */
function requestComponents(schemas: Schemas): Record<string, { schema: z.ZodType; json?: JsonSchema }> {
  return {
    Instant: {
      schema: instantSchema,
      json: {
        description: 'An ISO-8601 date-time with `Z` or an offset, e.g. `2026-03-02T09:00:00Z`.',
        examples: ['2026-03-02T09:00:00Z', '2026-03-02T10:00:00+01:00'],
      },
    },
    LocalDate: {
      schema: localDateSchema,
      // The schema refines a plain string to a real calendar date: RFC 3339's full-date.
      json: { format: 'date', description: 'A local calendar date `YYYY-MM-DD`.', examples: ['2026-03-02'] },
    },
    AppointmentId: { schema: schemas.appointmentId, json: { description: 'An appointment or series id (a UUID).' } },
    ParticipantId: { schema: schemas.id, json: { description: 'A patient or provider id.' } },
    CreateAppointment: { schema: bodiesOf(schemas).book },
    UpdateAppointment: {
      schema: schemas.updateAppointment,
      json: { minProperties: 1, description: 'Give at least one field; null clears it.' },
    },
    RescheduleAppointment: { schema: bodiesOf(schemas).reschedule },
    CancelAppointment: { schema: schemas.cancelAppointment },
    CancelSeries: { schema: schemas.cancelSeries },
    Recurrence: {
      schema: schemas.recurrence,
      json: {
        description:
          'Either a pattern (`frequency`, `interval`, optional `endDate` and `maxOccurrences`) or a raw RFC 5545 ' +
          'rule (`rrule`, e.g. `FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10`), not both.',
      },
    },
  };
}

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** Where the routes are mounted; default `/api/v1`. */
  readonly basePath?: string;
  /**
   * Example values by field or parameter name (e.g. the id of a real provider), shown in the docs
   * and put in the request a reader tries from there, so a first try finds someone.
   */
  readonly examples?: Readonly<Record<string, unknown>>;
}

/** The document for `routes`, generated from the route table and the Scheduler's `schemas`. */
export function buildOpenApiDocument(
  routes: readonly Route[],
  schemas: Schemas,
  { basePath = '/api/v1', examples = {} }: OpenApiOptions = {},
): OpenApiDocument {
  const exampleOf = (name: string) => (examples[name] === undefined ? undefined : [examples[name]]);
  const named = requestComponents(schemas);
  const registry = z.registry<{ id: string }>();
  for (const [id, { schema }] of Object.entries(named)) registry.add(schema, { id });
  for (const [id, schema] of Object.entries(RESPONSE_COMPONENTS)) registry.add(schema, { id });
  // Each operation's schemas are converted inside one carrier object, registered under a name no
  // component has: what the carrier holds refers to the named components, and nothing else ever
  // refers to the carrier, so it is dropped once read.
  const carriers = new Map(
    routes.map((route) => {
      const carrier = z.object({
        path: z.object(route.request.path ?? {}),
        query: route.request.query ?? z.object({}),
        // Request headers are all optional: each changes how a request is handled, none is needed.
        headers: z.object(
          Object.fromEntries(
            Object.entries(route.request.headers ?? {}).map(([name, schema]) => [name, schema.optional()]),
          ),
        ),
        body: route.request.body ?? z.null(),
        response: route.success.schema,
      });
      const id = `~operation~${route.operationId}`;
      registry.add(carrier, { id });
      return [route, id] as const;
    }),
  );

  const { schemas: generated } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
    unrepresentable: ({ zodSchema, path }) =>
      // The `Date` arm of a union (an instant given as a Date in-process): dropped by `override`.
      zodSchema._zod.def.type === 'date' && path.at(-2) === 'anyOf' ? 'any' : 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      // A Date cannot cross JSON; it arrives as its ISO string, which the other arm describes.
      // Without this, `anyOf: [{}, date-time]` would accept any value at all.
      const def = zodSchema._zod.def;
      if (def.type !== 'union' || !('options' in def)) return;
      const arms = jsonSchema.anyOf;
      // The same JSON object can be visited again through a refinement of the union: act once.
      if (arms === undefined || arms.length !== def.options.length) return;
      const kept = arms.filter((_, index) => def.options[index]?._zod.def.type !== 'date');
      if (kept.length < arms.length) jsonSchema.anyOf = kept;
    },
  });
  if ('__shared' in generated) {
    // Schemas extracted outside the registry would be referenced at a place the document lacks.
    throw new Error(`Unnamed shared schemas in the OpenAPI document: ${Object.keys(generated.__shared ?? {})}`);
  }
  const tidied = new Map(Object.entries(generated).map(([id, schema]) => [id, tidy(schema)]));
  const component = (id: string): JsonSchema => {
    const schema = tidied.get(id);
    if (schema === undefined) throw new Error(`No JSON Schema generated for ${id}`);
    return schema;
  };

  const componentSchemas: Record<string, JsonSchema> = {};
  for (const [id, entry] of Object.entries(named)) {
    const schema = component(id);
    const properties = Object.fromEntries(
      Object.entries(schema.properties ?? {}).map(([name, property]) => {
        const values = exampleOf(name);
        return [
          name,
          values === undefined || typeof property !== 'object' ? property : { ...property, examples: values },
        ];
      }),
    );
    componentSchemas[id] = { ...schema, ...(schema.properties !== undefined && { properties }), ...entry.json };
  }
  for (const id of Object.keys(RESPONSE_COMPONENTS)) componentSchemas[id] = component(id);

  const paths: Record<string, Record<string, OperationObject>> = {};
  // Sorted by path, not in the table's order: the table puts fixed paths before `{id}` for
  // Express, while readers of the docs expect the collection before its members.
  const byPath = [...carriers].sort(([a], [b]) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const [route, carrierId] of byPath) {
    const parts = component(carrierId).properties ?? {};
    const part = (name: string): JsonSchema => {
      const schema = parts[name];
      if (typeof schema !== 'object') throw new Error(`${route.operationId}: no ${name} schema`);
      return schema;
    };
    const operationPath = `${basePath}${route.path}`;
    paths[operationPath] = { ...paths[operationPath], [route.method]: operation(route, part, exampleOf) };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'appointment-kit example API',
      version: '1.0.0',
      description: [
        'The REST API of the appointment-kit Express example: appointments with no double-booking, slots in each',
        'provider’s time zone, a status workflow and an audit trail.\n\n',
        '**Authentication**: a bearer token on every operation (the demo server’s are `demo-admin`, `demo-doctor`',
        'and `demo-receptionist`); each operation says which roles may call it.\n\n',
        '**Errors** are always `{ "error": { "code", "message", "details" } }`: branch on `code`.\n\n',
        '**Changes** answer with an ETag, the appointment’s version; send it back in If-Match and a change made in',
        'between is refused with 412 instead of being overwritten.\n\n',
        '**Instants** are ISO-8601 date-times with `Z` or an offset; responses write them in UTC.\n\n',
        '**Bodies** are JSON. A request whose body is not JSON is refused with 415 and one over 100 kB with 413,',
        'whatever the operation; the operations that take a body list both.',
      ].join(' '),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'This server' }],
    security: [{ bearer: [] }],
    tags: Object.entries(ROUTE_TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas,
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, { name, description }]) => [
          name,
          {
            description,
            ...(status === '401' && {
              headers: { 'WWW-Authenticate': { description: 'Always `Bearer`.', schema: { const: 'Bearer' } } },
            }),
            content: { 'application/json': { schema: { $ref: `${COMPONENT_PREFIX}ErrorResponse` } } },
          },
        ]),
      ),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A token the host’s verifier accepts; the demo’s: demo-admin, demo-doctor, demo-receptionist.',
        },
        accessToken: {
          type: 'apiKey',
          in: 'query',
          name: 'access_token',
          description:
            'The same token as a query parameter (RFC 6750 §2.3), only on the calendar feeds: calendar apps subscribe by URL and send no headers.',
        },
      },
    },
  };
}

/** One operation object: its parameters, body and every response, from the route's entry. */
function operation(
  route: Route,
  part: (name: string) => JsonSchema,
  exampleOf: (name: string) => unknown[] | undefined,
): OperationObject {
  const path = part('path');
  const query = part('query');
  const headers = part('headers');
  const pathNames = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
  const declared = Object.keys(path.properties ?? {});
  if (pathNames.join() !== declared.join()) {
    throw new Error(`${route.operationId}: the path names {${pathNames}} but the table declares {${declared}}`);
  }
  const parameters: ParameterObject[] = [
    ...pathNames.map((name) => parameter(name, 'path', path, exampleOf(name))),
    ...Object.keys(query.properties ?? {}).map((name) => parameter(name, 'query', query, exampleOf(name))),
    ...Object.keys(headers.properties ?? {}).map((name) => parameter(name, 'header', headers, exampleOf(name))),
  ];
  const roles = PERMISSIONS[route.permission].join(', ');
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `${route.description === undefined ? '' : `${route.description}\n\n`}Allowed roles: ${roles}.`,
    tags: [route.tag],
    ...(route.queryToken === true && { security: [{ bearer: [] }, { accessToken: [] }] }),
    ...(parameters.length > 0 && { parameters }),
    ...(route.request.body !== undefined && {
      requestBody: { required: true, content: { 'application/json': { schema: part('body') } } },
    }),
    responses: {
      [route.success.status]: {
        description: route.success.description,
        ...(route.success.headers !== undefined && {
          headers: Object.fromEntries(route.success.headers.map((name) => [name, RESPONSE_HEADERS[name]])),
        }),
        content: { [route.success.mediaType ?? 'application/json']: { schema: part('response') } },
      },
      ...Object.fromEntries(
        [...new Set(route.errors)]
          .sort((a, b) => a - b)
          .map((status) => [status, { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` }]),
      ),
    },
  };
}

/** The parameter `name` of an object schema's properties. */
function parameter(
  name: string,
  location: ParameterObject['in'],
  object: JsonSchema,
  examples: unknown[] | undefined,
): ParameterObject {
  const property = object.properties?.[name];
  if (typeof property !== 'object') throw new Error(`No schema for the ${location} parameter ${name}`);
  // The description belongs to the parameter, where the docs show it; once is enough.
  const { description, ...schema } = property;
  return {
    name,
    in: location,
    required: location === 'path' || (object.required?.includes(name) ?? false),
    ...(description !== undefined && { description }),
    ...(examples !== undefined && { example: examples[0] }),
    schema,
    // A list in the query is written `status=scheduled,confirmed`, as the schemas split it.
    ...(schema.type === 'array' && { style: 'form', explode: false }),
  };
}

/**
 * The generated schema as it goes into the document: without `$schema` and `$id` (the document
 * sets the dialect; a fragment `$id` is not allowed), and with a one-arm `anyOf` (left when the
 * override drops a `Date` arm) replaced by its arm.
 */
function tidy(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return collapse(rest) as JsonSchema;
}

function collapse(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(collapse);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, collapse(item)] as const);
  const object: Record<string, unknown> = Object.fromEntries(entries);
  const arms = object.anyOf;
  if (Array.isArray(arms) && arms.length === 1 && typeof arms[0] === 'object' && arms[0] !== null) {
    const { anyOf: _single, ...rest } = object;
    return { ...(arms[0] as Record<string, unknown>), ...rest };
  }
  return object;
}
