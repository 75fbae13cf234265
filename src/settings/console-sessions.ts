import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  deleteStaleConsoleSessions,
  endConsoleSession,
  insertConsoleSession,
  touchConsoleSession,
} from '../db/repositories/console-sessions.repository';
import type { Queryable } from '../db/repositories/common';
import { DomainError, ERROR_CODES } from '../domain/errors';

/**
 * Console sessions (issue 13): the admin API key is exchanged once for a random session id, carried in an
 * httpOnly cookie. Only the id's sha256 is stored; the CSRF token is an HMAC of the id, so it is never stored
 * and cannot be made without the cookie.
 */

export interface ConsoleSessionPolicy {
  /** A session not used for this long ends. */
  idleSeconds: number;
  /** A session ends this long after sign-in, used or not. */
  maxAgeSeconds: number;
}

export interface ConsoleSession {
  /** First 8 hex characters of the id's hash: names the session in the audit (`console-session:<shortId>`). */
  shortId: string;
  createdAt: string;
  expiresAt: string;
  /** When it ends if not used again (the idle end, capped by the absolute one). */
  idleExpiresAt: string;
  csrfToken: string;
}

export interface SignedIn {
  /** The cookie value (never stored). */
  sessionId: string;
  session: ConsoleSession;
}

const hashOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');

export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('console-csrf').digest('base64url');
}

/** Whether `presented` is the CSRF token of the session (constant time). */
export function csrfTokenMatches(sessionId: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function describe(
  sessionId: string,
  r: { shortId: string; createdAt: Date; lastSeenAt: Date; expiresAt: Date },
  policy: ConsoleSessionPolicy,
): ConsoleSession {
  const idleEnd = Math.min(r.lastSeenAt.getTime() + policy.idleSeconds * 1000, r.expiresAt.getTime());
  return {
    shortId: r.shortId,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    idleExpiresAt: new Date(idleEnd).toISOString(),
    csrfToken: csrfTokenFor(sessionId),
  };
}

/** Signs in with the admin API key (already checked by the caller's `keyIsValid`); else UNAUTHORIZED. */
export async function signIn(
  db: Queryable,
  policy: ConsoleSessionPolicy,
  keyIsValid: boolean,
): Promise<SignedIn> {
  if (!keyIsValid) throw new DomainError(ERROR_CODES.UNAUTHORIZED, 'Wrong API key');
  const sessionId = randomBytes(32).toString('base64url');
  const idHash = hashOf(sessionId);
  const record = await insertConsoleSession(db, {
    idHash,
    shortId: idHash.slice(0, 8),
    maxAgeSeconds: policy.maxAgeSeconds,
  });
  await deleteStaleConsoleSessions(db);
  return { sessionId, session: describe(sessionId, record, policy) };
}

/** The live session of this cookie value (its idle clock restarted), or null. */
export async function currentSession(
  db: Queryable,
  policy: ConsoleSessionPolicy,
  sessionId: string,
): Promise<ConsoleSession | null> {
  const record = await touchConsoleSession(db, hashOf(sessionId), policy.idleSeconds);
  return record ? describe(sessionId, record, policy) : null;
}

export async function signOut(db: Queryable, sessionId: string): Promise<void> {
  await endConsoleSession(db, hashOf(sessionId));
}
