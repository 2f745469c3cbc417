import type { Scheduler } from 'appointment-kit';
import { z } from 'zod';
import { PERMISSIONS, type Permission } from './auth.js';

/**
 * The OpenAPI 3.1 document, generated from the very schemas the Scheduler validates with, so the
 * published contract cannot drift from the checks. Response bodies are described loosely; the
 * request side is exact.
 */
export function buildOpenApiDocument(schemas: Scheduler['schemas']): Record<string, unknown> {
  const json = (schema: z.ZodType) => {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    return rest;
  };
  const queryParameters = (schema: z.ZodType) => {
    const document = json(schema) as { properties?: Record<string, unknown>; required?: string[] };
    return Object.entries(document.properties ?? {}).map(([name, property]) => ({
      name,
      in: 'query',
      required: document.required?.includes(name) ?? false,
      schema: property,
    }));
  };
  const idParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
  const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: json(schema) } } });
  const errors = {
    '400': { $ref: '#/components/responses/Error' },
    '401': { $ref: '#/components/responses/Error' },
    '403': { $ref: '#/components/responses/Error' },
    '404': { $ref: '#/components/responses/Error' },
    '409': { $ref: '#/components/responses/Error' },
  };
  const operation = (summary: string, permission: Permission, extra: Record<string, unknown>, success = '200') => ({
    summary,
    description: `Allowed roles: ${PERMISSIONS[permission].join(', ')}.`,
    security: [{ bearer: [] }],
    responses: { [success]: { description: 'Success', content: { 'application/json': { schema: {} } } }, ...errors },
    ...extra,
  });
  const workflow = (summary: string) =>
    operation(summary, 'update', {
      parameters: [idParameter('id'), { name: 'If-Match', in: 'header', schema: { type: 'string' } }],
    });
  const scheduleView = (view: string) =>
    operation(`The provider's ${view} schedule in the provider's time zone`, 'read', {
      parameters: queryParameters(schemas.scheduleQuery.omit({ view: true })),
    });

  return {
    openapi: '3.1.0',
    info: { title: 'appointment-kit example API', version: '1.0.0' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: {
        Error: {
          description: 'An error: { error: { code, message, details } }',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['error'],
                properties: {
                  error: {
                    type: 'object',
                    required: ['code', 'message'],
                    properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
                  },
                },
              },
            },
          },
        },
      },
    },
    paths: {
      '/api/v1/appointments': {
        get: operation('List appointments', 'read', { parameters: queryParameters(schemas.listAppointmentsQuery) }),
        post: operation(
          'Book an appointment or a recurring series',
          'create',
          {
            requestBody: body(schemas.createAppointment),
            parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
          },
          '201',
        ),
      },
      '/api/v1/appointments/availability': {
        get: operation('Slots of a provider for a date or range', 'read', {
          parameters: queryParameters(schemas.availabilityQuery),
        }),
      },
      '/api/v1/appointments/suggestions': {
        get: operation('The next free slots of a provider', 'read', {
          parameters: queryParameters(schemas.suggestQuery),
        }),
      },
      '/api/v1/appointments/schedule/daily': { get: scheduleView('daily') },
      '/api/v1/appointments/schedule/weekly': { get: scheduleView('weekly') },
      '/api/v1/appointments/schedule/monthly': { get: scheduleView('monthly') },
      '/api/v1/appointments/statistics': {
        get: operation('Counts, upcoming appointments and rates', 'statistics', {
          parameters: queryParameters(schemas.statisticsQuery),
        }),
      },
      '/api/v1/appointments/series/{seriesId}/cancel': {
        post: operation('Cancel a series, or this occurrence and the following ones', 'cancel', {
          parameters: [idParameter('seriesId')],
          requestBody: body(schemas.cancelSeries),
        }),
      },
      '/api/v1/appointments/{id}': {
        get: operation('One appointment (ETag = its version)', 'read', { parameters: [idParameter('id')] }),
        put: operation(
          'Change details (reason, notes, metadata, type) or the time (start, durationMinutes)',
          'update',
          {
            parameters: [idParameter('id'), { name: 'If-Match', in: 'header', schema: { type: 'string' } }],
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: { oneOf: [json(schemas.updateAppointment), json(schemas.rescheduleAppointment)] },
                },
              },
            },
          },
        ),
      },
      '/api/v1/appointments/{id}/cancel': {
        post: operation('Cancel with a reason', 'cancel', {
          parameters: [idParameter('id'), { name: 'If-Match', in: 'header', schema: { type: 'string' } }],
          requestBody: body(schemas.cancelAppointment),
        }),
      },
      '/api/v1/appointments/{id}/confirm': { post: workflow('scheduled → confirmed') },
      '/api/v1/appointments/{id}/check-in': { post: workflow('confirmed → in_progress') },
      '/api/v1/appointments/{id}/complete': { post: workflow('in_progress → completed') },
      '/api/v1/appointments/{id}/no-show': { post: workflow('scheduled or confirmed → no_show, after the start') },
      '/api/v1/appointments/{id}/audit': {
        get: operation('The audit trail of an appointment', 'audit', { parameters: [idParameter('id')] }),
      },
      '/api/v1/providers': { get: operation('Demo providers: ids, names, time zones, working hours', 'read', {}) },
      '/api/v1/patients': { get: operation('Demo patients: ids and names', 'read', {}) },
    },
  };
}
