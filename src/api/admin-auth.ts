import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/pool';
import { DomainError, ERROR_CODES } from '../domain/errors';
import type { Logger } from '../platform/logger';
import { recordChange } from '../settings/audit';
import { csrfTokenMatches, currentSession, type ConsoleSessionPolicy } from '../settings/console-sessions';
import { setRequestContext, type RequestContext } from './request-context';

/** The console's session cookie (httpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'm3ter_qbo_console';
export const CSRF_HEADER = 'x-csrf-token';

export interface ConsoleSessionOptions {
  db: Db;
  policy: ConsoleSessionPolicy;
  /** Adds `Secure` to the cookie (an https PUBLIC_BASE_URL). */
  secureCookie: boolean;
  /** Wrong API keys accepted per minute from one address at sign-in; then 429 for the rest of the minute (default 10). */
  signInFailuresPerMinute?: number;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether the request presents this API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`). */
export function apiKeyChecker(apiKey: string): (presented: string | undefined) => boolean {
  const expected = digest(apiKey);
  return (presented) => presented !== undefined && timingSafeEqual(digest(presented), expected);
}

function presentedKey(req: Request): string | undefined {
  const header = req.get('authorization');
  return header?.startsWith('Bearer ') ? header.slice(7) : req.get('x-api-key');
}

/**
 * Admin endpoints need the API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`) — or, from the
 * console, a live session cookie; a cookie request that changes state must also carry `X-CSRF-Token`.
 * Sets the request's context (who, and where its audit goes).
 */
export function requireAdmin(
  apiKey: string,
  sessions: ConsoleSessionOptions | undefined,
  logger: Logger,
): RequestHandler {
  const keyMatches = apiKeyChecker(apiKey);
  const audit = sessions
    ? (db: Db): RequestContext['audit'] =>
        (change) =>
          recordChange(db, change)
    : () => undefined;
  return async (req, res, next) => {
    const presented = presentedKey(req);
    if (presented !== undefined || !sessions) {
      if (!keyMatches(presented)) {
        next(
          new DomainError(
            ERROR_CODES.UNAUTHORIZED,
            'Missing or invalid API key (send Authorization: Bearer <key>)',
          ),
        );
        return;
      }
      setRequestContext(res, { actor: 'api-key', audit: sessions && audit(sessions.db) });
      next();
      return;
    }
    const sessionId = cookieValue(req, SESSION_COOKIE);
    const session = sessionId ? await currentSession(sessions.db, sessions.policy, sessionId) : null;
    if (!sessionId || !session) {
      next(
        new DomainError(
          ERROR_CODES.UNAUTHORIZED,
          sessionId
            ? 'The console session has expired or was signed out; sign in again'
            : 'Missing or invalid API key (send Authorization: Bearer <key>)',
        ),
      );
      return;
    }
    if (STATE_CHANGING.has(req.method) && !csrfTokenMatches(sessionId, req.get(CSRF_HEADER))) {
      logger.warn(
        { method: req.method, path: req.path },
        'console request refused: CSRF token missing or wrong',
      );
      next(
        new DomainError(
          ERROR_CODES.CSRF_TOKEN_INVALID,
          'A console request that changes something must carry the X-CSRF-Token of its session (GET /auth/session)',
        ),
      );
      return;
    }
    setRequestContext(res, { actor: `console-session:${session.shortId}`, audit: audit(sessions.db) });
    next();
  };
}

/** One cookie's value from the Cookie header (no cookie-parser needed for one name). */
export function cookieValue(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,200}$/.test(raw) ? raw : undefined;
    }
  }
  return undefined;
}

export function setSessionCookie(
  res: Response,
  sessionId: string,
  options: { maxAgeSeconds: number; secure: boolean },
): void {
  res.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${options.secure ? '; Secure' : ''}`,
  );
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`,
  );
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
