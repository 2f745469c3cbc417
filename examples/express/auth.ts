import type { Actor } from 'appointment-kit';
import { ForbiddenError } from 'appointment-kit';
import type { NextFunction, Request, Response } from 'express';

/** Roles of the example's users. */
export type Role = 'admin' | 'doctor' | 'receptionist';

/** What a route needs the caller to be allowed to do. */
export type Permission = 'read' | 'create' | 'update' | 'cancel' | 'statistics' | 'audit';

/** The permission matrix (SPEC §17), in one table. */
export const PERMISSIONS: Readonly<Record<Permission, readonly Role[]>> = {
  read: ['admin', 'doctor', 'receptionist'],
  create: ['admin', 'doctor', 'receptionist'],
  update: ['admin', 'doctor', 'receptionist'],
  cancel: ['admin', 'receptionist'],
  statistics: ['admin'],
  audit: ['admin'],
};

/** Turns a bearer token into the acting user, or null; a host plugs in its own verifier. */
export type Authenticate = (token: string) => Actor | null | Promise<Actor | null>;

/** A 401 in the API's error shape. */
export class UnauthenticatedError extends Error {
  readonly code = 'UNAUTHENTICATED';
  readonly httpStatus = 401;
}

/** The authenticated actor of a request (set by {@link authenticated}). */
export function actorOf(response: Response): Actor {
  return response.locals.actor as Actor;
}

/** Middleware: require a valid bearer token. */
export function authenticated(authenticate: Authenticate) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const header = request.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const actor = match?.[1] === undefined ? null : await authenticate(match[1]);
    if (actor === null) {
      next(new UnauthenticatedError('A valid bearer token is required'));
      return;
    }
    response.locals.actor = actor;
    next();
  };
}

/** Middleware: require one of the roles the matrix grants `permission`. */
export function allowed(permission: Permission) {
  return (_request: Request, response: Response, next: NextFunction) => {
    const role = actorOf(response).role as Role | undefined;
    if (role === undefined || !PERMISSIONS[permission].includes(role)) {
      next(new ForbiddenError(`The ${role ?? 'unknown'} role may not ${permission}`));
      return;
    }
    next();
  };
}
