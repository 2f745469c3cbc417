import type { Actor } from 'appointment-kit';
import { ForbiddenError } from 'appointment-kit';
import type { NextFunction, Request, Response } from 'express';

/** Roles of the example's users. */
export type Role = 'admin' | 'doctor' | 'receptionist';

/** What a route needs the caller to be allowed to do. */
export type Permission = 'read' | 'create' | 'update' | 'cancel' | 'statistics' | 'audit' | 'override';

/** The permission matrix, in one table. */
export const PERMISSIONS: Readonly<Record<Permission, readonly Role[]>> = {
  read: ['admin', 'doctor', 'receptionist'],
  create: ['admin', 'doctor', 'receptionist'],
  update: ['admin', 'doctor', 'receptionist'],
  cancel: ['admin', 'receptionist'],
  statistics: ['admin'],
  audit: ['admin'],
  // Booking past a provider's hours, notice, horizon or limits (with a reason, audited).
  override: ['admin', 'receptionist'],
};

/** Turns a bearer token into the acting user, or null; a host plugs in its own verifier. */
export type Authenticate = (token: string) => Actor | null | Promise<Actor | null>;

/** A 401 in the API's error shape. */
export class UnauthenticatedError extends Error {
  readonly code = 'UNAUTHENTICATED';
  readonly httpStatus = 401;
  /**
   * The RFC 6750 error code for `WWW-Authenticate`: `invalid_token` when a token was given and
   * refused, `invalid_request` when it was given more than once; none when there was no token.
   */
  readonly bearerError: 'invalid_token' | 'invalid_request' | null;

  constructor(message: string, bearerError: 'invalid_token' | 'invalid_request' | null = null) {
    super(message);
    this.bearerError = bearerError;
  }
}

/** The authenticated actor of a request (set by {@link authenticated}). */
export function actorOf(response: Response): Actor {
  return response.locals.actor as Actor;
}

/**
 * `Bearer <token>`: the scheme is case-insensitive (RFC 9110 §11.1), then one or more spaces and a
 * single token68 (RFC 6750 §2.1). Anything else (two tokens, a list, a tab) carries no token.
 */
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;

/** An `access_token` query parameter (RFC 6750 §2.3): one token68, given once. */
const QUERY_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/**
 * Middleware: require a valid bearer token, in the Authorization header or, where the route
 * allows it (`queryToken`), in an `access_token` query parameter.
 */
export function authenticated(authenticate: Authenticate, options: { readonly queryToken?: boolean } = {}) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const inQuery = options.queryToken === true ? request.query.access_token : undefined;
    const inHeader = request.get('authorization');
    // RFC 6750 §2: one way of sending the token per request, and one token.
    if (Array.isArray(inQuery) || (inQuery !== undefined && inHeader !== undefined)) {
      next(
        new UnauthenticatedError(
          'Give the token once: in the Authorization header or as access_token',
          'invalid_request',
        ),
      );
      return;
    }
    const token =
      BEARER_CREDENTIALS.exec(inHeader ?? '')?.[1] ??
      (typeof inQuery === 'string' && QUERY_TOKEN.test(inQuery) ? inQuery : undefined);
    const actor: unknown = token === undefined ? null : await authenticate(token);
    // Whatever a host's verifier returns, only an actor with an id is somebody: a token table
    // looked up as a plain object answers `__proto__` with Object.prototype, which is nobody.
    if (!isActor(actor)) {
      // RFC 6750 §3.1: an error code only when a token was given (not for no token, or another scheme).
      next(new UnauthenticatedError('A valid bearer token is required', token === undefined ? null : 'invalid_token'));
      return;
    }
    response.locals.actor = actor;
    next();
  };
}

function isActor(value: unknown): value is Actor {
  if (typeof value !== 'object' || value === null) return false;
  const { id } = value as { id?: unknown };
  return typeof id === 'string' && id.length > 0;
}

/** Middleware: require one of the roles the matrix grants `permission`. */
export function allowed(permission: Permission) {
  return (_request: Request, response: Response, next: NextFunction) => {
    // A host's actor is typed, not checked: a role that is not a string grants nothing.
    const role: unknown = actorOf(response).role;
    const granted = typeof role === 'string' && (PERMISSIONS[permission] as readonly string[]).includes(role);
    if (!granted) {
      next(new ForbiddenError(`The ${typeof role === 'string' ? role : 'unknown'} role may not ${permission}`));
      return;
    }
    next();
  };
}

/** Throws ForbiddenError unless the actor's role is granted `permission`. */
export function assertAllowed(actor: Actor, permission: Permission): void {
  const role: unknown = actor.role;
  if (typeof role !== 'string' || !(PERMISSIONS[permission] as readonly string[]).includes(role)) {
    throw new ForbiddenError(`The ${typeof role === 'string' ? role : 'unknown'} role may not ${permission}`);
  }
}
