import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';
import { Anchor } from '@mantine/core';

/** A small router over the History API: the console lives under /console, every page has its own URL. */
export const BASE = '/console';
const EVENT = 'console:navigate';

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn);
  window.addEventListener(EVENT, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(EVENT, fn);
  };
}

/** The path inside the console, e.g. `/integrations/new`. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => {
    const p = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '/';
    return p === '' ? '/' : p;
  });
}

export function navigate(to: string): void {
  window.history.pushState(null, '', `${BASE}${to}`);
  window.dispatchEvent(new Event(EVENT));
}

export function Link({ to, children }: { to: string; children: ReactNode }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <Anchor href={`${BASE}${to}`} onClick={onClick}>
      {children}
    </Anchor>
  );
}

export type Route =
  | { page: 'list' }
  | { page: 'new' }
  | { page: 'details'; id: string }
  | { page: 'edit'; id: string }
  | { page: 'credentials' }
  | { page: 'runs' }
  | { page: 'events' }
  | { page: 'external-mappings' }
  | { page: 'run'; id: string }
  | { page: 'reconciliations'; id: string }
  | { page: 'reconciliation'; runId: string }
  | { page: 'backfill'; id: string }
  | { page: 'overview' }
  | { page: 'preview'; id: string }
  | { page: 'not-found' };

export function routeOf(path: string): Route {
  if (path === '/' || path === '/integrations' || path === '/integrations/') return { page: 'list' };
  if (path === '/integrations/new') return { page: 'new' };
  if (path === '/credentials' || path === '/credentials/') return { page: 'credentials' };
  if (path === '/runs' || path === '/runs/') return { page: 'runs' };
  if (path === '/events' || path === '/events/') return { page: 'events' };
  if (path === '/external-mappings' || path === '/external-mappings/') return { page: 'external-mappings' };
  const run = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (run?.[1]) return { page: 'run', id: decodeURIComponent(run[1]) };
  const ops = /^\/integrations\/([^/]+)\/(reconciliations|backfill)\/?$/.exec(path);
  if (ops?.[1])
    return ops[2] === 'backfill'
      ? { page: 'backfill', id: decodeURIComponent(ops[1]) }
      : { page: 'reconciliations', id: decodeURIComponent(ops[1]) };
  const rec = /^\/reconciliations\/([^/]+)\/?$/.exec(path);
  if (rec?.[1]) return { page: 'reconciliation', runId: decodeURIComponent(rec[1]) };
  if (path === '/overview' || path === '/overview/') return { page: 'overview' };
  const pv = /^\/integrations\/([^/]+)\/preview\/?$/.exec(path);
  if (pv?.[1]) return { page: 'preview', id: decodeURIComponent(pv[1]) };
  const m = /^\/integrations\/([^/]+)(\/edit)?\/?$/.exec(path);
  if (m?.[1])
    return m[2]
      ? { page: 'edit', id: decodeURIComponent(m[1]) }
      : { page: 'details', id: decodeURIComponent(m[1]) };
  return { page: 'not-found' };
}
