import type { Response } from 'express';
import type { Actor, AuditChange } from '../settings/audit';

/** What the auth middleware learned about a request, for the routes after it (the audit). */
export interface RequestContext {
  actor: Actor;
  /** Writes an audit row; absent when the app has no database (then the change is only logged). */
  audit?: (change: AuditChange) => Promise<void>;
}

const KEY = 'requestContext';

export function setRequestContext(res: Response, ctx: RequestContext): void {
  res.locals[KEY] = ctx;
}

export function requestContextOf(res: Response): RequestContext | undefined {
  return res.locals[KEY] as RequestContext | undefined;
}
