/**
 * m3ter-style list paging: `pageSize` (1–100, default 10) and an opaque `nextToken`; newest first (creation
 * order descending). The token names the last item served, so items created meanwhile do not shift pages.
 */
import { ApiError } from './errors';
import type { Stored } from './store';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  pageSize?: string;
  nextToken?: string;
}

export interface PageResult<T> {
  data: T[];
  nextToken?: string;
}

function encode(seq: number): string {
  return Buffer.from(`after:${seq}`).toString('base64url');
}

function decode(token: string): number {
  const m = /^after:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw new ApiError(400, `invalid nextToken ${token}`);
  return Number(m[1]);
}

export function parsePageSize(raw: string | undefined, max = MAX_PAGE_SIZE): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ApiError(400, `pageSize must be an integer between 1 and ${max}, got ${raw}`);
  return n;
}

/** One page of `items` (already newest first and filtered). */
export function paginate<T, R>(
  items: Array<Stored<T>>,
  request: PageRequest,
  present: (value: T) => R,
  max = MAX_PAGE_SIZE,
): PageResult<R> {
  const size = parsePageSize(request.pageSize, max);
  const after = request.nextToken ? decode(request.nextToken) : undefined;
  const rest = after === undefined ? items : items.filter((s) => s.seq < after);
  const page = rest.slice(0, size);
  const last = page[page.length - 1];
  const more = rest.length > size && last !== undefined;
  return { data: page.map((s) => present(s.value)), ...(more ? { nextToken: encode(last.seq) } : {}) };
}
