import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { DomainError, ERROR_CODES } from '../../domain/errors';
import { currentSession, csrfTokenMatches, signIn, signOut } from '../../settings/console-sessions';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  apiKeyChecker,
  clearSessionCookie,
  cookieValue,
  setSessionCookie,
  type ConsoleSessionOptions,
} from '../admin-auth';
import { Timestamp, routes } from './route-kit';

const SignInBody = z
  .strictObject({ apiKey: z.string().min(1).max(1000).describe('The admin API key (ADMIN_API_KEY)') })
  .meta({ id: 'ConsoleSignIn' });

const SessionResponse = z
  .object({
    actor: z.string().describe('`console-session:<short id>`: how the audit names this session'),
    createdAt: Timestamp,
    expiresAt: Timestamp.describe('The absolute end of the session'),
    idleExpiresAt: Timestamp.describe('When it ends if not used before then'),
    csrfToken: z.string().describe('Send as X-CSRF-Token on every POST, PUT, PATCH and DELETE'),
  })
  .meta({ id: 'ConsoleSession' });

/**
 * The console's sign-in: the admin API key (in the body, never a URL) for an httpOnly, SameSite=Strict session
 * cookie. These routes need no API key; GET and DELETE read the cookie.
 */
export function consoleSessionRouter(
  options: ConsoleSessionOptions & { apiKey: string; maxBodyBytes: number },
): (registry: OpenAPIRegistry) => Router {
  const { db, policy, secureCookie } = options;
  const keyMatches = apiKeyChecker(options.apiKey);
  return (registry) => {
    const r = routes(registry, 'Console session');
    const failures = options.signInFailuresPerMinute ?? 10;
    // Guessing the key: only wrong keys (401) count, per source address.
    r.router.post(
      '/auth/session',
      rateLimit({
        windowMs: 60_000,
        limit: failures,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        requestWasSuccessful: (_req, res) => res.statusCode !== 401,
        skipSuccessfulRequests: true,
        handler: (_req, _res, next) =>
          next(
            new DomainError(
              ERROR_CODES.RATE_LIMITED,
              `More than ${failures} wrong API keys a minute from this address; try again later`,
            ),
          ),
      }),
    );
    r.router.use('/auth/session', express.json({ limit: options.maxBodyBytes }));
    const shown = (s: Awaited<ReturnType<typeof signIn>>['session']) => ({
      actor: `console-session:${s.shortId}`,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      idleExpiresAt: s.idleExpiresAt,
      csrfToken: s.csrfToken,
    });
    r.route(
      {
        method: 'post',
        path: '/auth/session',
        summary: 'Sign in to the console with the admin API key: sets the session cookie',
        public: true,
        body: SignInBody,
        status: 201,
        response: SessionResponse,
      },
      async ({ body, res }) => {
        const signedIn = await signIn(db, policy, keyMatches(body.apiKey));
        setSessionCookie(res, signedIn.sessionId, {
          maxAgeSeconds: policy.maxAgeSeconds,
          secure: secureCookie,
        });
        res.set('Cache-Control', 'no-store');
        return shown(signedIn.session);
      },
    );
    r.route(
      {
        method: 'get',
        path: '/auth/session',
        summary: 'Who is signed in (the session cookie), with the CSRF token; 401 when no session',
        public: true,
        response: SessionResponse,
      },
      async ({ req, res }) => {
        const sessionId = cookieValue(req, SESSION_COOKIE);
        const session = sessionId ? await currentSession(db, policy, sessionId) : null;
        if (!session) throw new DomainError(ERROR_CODES.UNAUTHORIZED, 'Not signed in to the console');
        res.set('Cache-Control', 'no-store');
        return shown(session);
      },
    );
    r.route(
      {
        method: 'delete',
        path: '/auth/session',
        summary: 'Sign out: ends the session and clears the cookie (needs X-CSRF-Token with a live session)',
        public: true,
        status: 204,
      },
      async ({ req, res }) => {
        const sessionId = cookieValue(req, SESSION_COOKIE);
        if (sessionId && (await currentSession(db, policy, sessionId))) {
          if (!csrfTokenMatches(sessionId, req.get(CSRF_HEADER)))
            throw new DomainError(
              ERROR_CODES.CSRF_TOKEN_INVALID,
              'Signing out needs the X-CSRF-Token of the session',
            );
          await signOut(db, sessionId);
        }
        clearSessionCookie(res, secureCookie);
      },
    );
    return r.router;
  };
}
