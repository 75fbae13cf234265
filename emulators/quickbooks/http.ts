/** Writing replies, dropping connections and applying injected faults — shared by the API and OAuth routes. */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  injectedFault,
  authenticationFailedReply,
  gatewayTimeoutReply,
  plainStatusReply,
  serviceUnavailableReply,
  systemFaultReply,
  throttledReply,
  type HttpReply,
  type ReplyTime,
} from './errors';
import type { FaultDecision } from './faults';
import type { EmulatorState } from './state';
import type { ReplySettings } from './types';

export function newIntuitTid(): string {
  return `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export function sendReply(res: Response, reply: HttpReply): void {
  if (res.headersSent || res.destroyed) return;
  // Read by countOutcome: a 403 throttle counts as throttled like a 429.
  if (reply.throttle) res.locals.qboThrottle = true;
  res.status(reply.status);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (typeof reply.body === 'string') {
    res.setHeader('Content-Type', reply.contentType ?? 'text/plain; charset=utf-8');
    res.end(reply.body);
  } else {
    res.setHeader('Content-Type', reply.contentType ?? 'application/json;charset=UTF-8');
    res.end(JSON.stringify(reply.body));
  }
}

/** Close the connection without an HTTP response (the client sees a reset / socket hang up). */
export function dropConnection(req: Request): void {
  req.socket.destroy();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The reply for an injected status: QBO's bodies for 500, 503, 429 (the throttle, whose status and format
 * follow `style`), 401 and 504; plain text otherwise.
 */
export function injectedStatusReply(status: number, t: ReplyTime, style: ReplySettings): HttpReply {
  if (status === 500) return systemFaultReply(t);
  if (status === 503) return serviceUnavailableReply();
  if (status === 429) return throttledReply(t, style);
  if (status === 401)
    return authenticationFailedReply('Token expired: injected by the emulator', t, style.authFormat);
  if (status === 504) return gatewayTimeoutReply(t, style.gatewayTimeoutFormat);
  return plainStatusReply(status);
}

/**
 * Carries out a fault decision before the request is handled. Returns `handled` when the request is over
 * (answered or dropped), `commit-then-drop` when the handler must run and the connection then be dropped,
 * `continue` otherwise.
 */
export async function applyFault(
  state: EmulatorState,
  decision: FaultDecision,
  req: Request,
  res: Response,
  t: () => ReplyTime,
  style: ReplySettings,
): Promise<'continue' | 'handled' | 'commit-then-drop'> {
  if (decision.injected) state.counters.faultInjected();
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const action = decision.action;
  if (!action) return 'continue';
  if (action.type === 'drop') {
    dropConnection(req);
    return 'handled';
  }
  if (action.type === 'status') {
    sendReply(res, injectedStatusReply(action.status, t(), style));
    return 'handled';
  }
  if (action.type === 'fault') {
    sendReply(res, injectedFault(action).toReply(t()));
    return 'handled';
  }
  return 'commit-then-drop';
}

/** Count every counted request's outcome: its status, or `dropped` when it closed without a response. */
export function countOutcome(state: EmulatorState, res: Response): void {
  let done = false;
  res.on('finish', () => {
    if (!done) state.counters.status(res.statusCode, res.locals.qboThrottle === true);
    done = true;
  });
  res.on('close', () => {
    if (!done) state.counters.status('dropped');
    done = true;
  });
}

export function bearerToken(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** A query parameter as one string (the first, when repeated), case-insensitive name. */
export function queryParam(req: Request, name: string): string | undefined {
  const query = req.query as Record<string, unknown>;
  const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : query[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}
