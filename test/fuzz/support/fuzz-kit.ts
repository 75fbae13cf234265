import type { Client } from '@temporalio/client';
import type { Db } from '../../../src/db/pool';

/**
 * Shared pieces of the fuzz suites: run size and seed, the HTTP client, the response checks (no 5xx, the one
 * error format, 400s naming a field), database fingerprints ("nothing written") and the status tally.
 *
 *   FUZZ_RUNS=5000 npx mocha test/fuzz      generated requests per suite (default: a few hundred)
 *   FUZZ_SEED=123 …                         replay a run exactly (the seed is printed by every suite)
 */

export interface FuzzConfig {
  runs: number;
  seed: number;
}

export function fuzzConfig(defaultRuns: number): FuzzConfig {
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : defaultRuns;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`FUZZ_RUNS must be a positive integer, not ${process.env.FUZZ_RUNS}`);
  const seed = process.env.FUZZ_SEED
    ? Number(process.env.FUZZ_SEED)
    : (Date.now() ^ (process.pid << 8)) >>> 0;
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${process.env.FUZZ_SEED}`);
  return { runs, seed };
}

/** Requests sent, by status and by label, for the summary line. */
export class Tally {
  private readonly byStatus = new Map<number, number>();
  private readonly byLabel = new Map<string, number>();
  total = 0;

  record(status: number, label: string): void {
    this.total++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    this.byLabel.set(label, (this.byLabel.get(label) ?? 0) + 1);
    overall.total++;
    overall.byStatus.set(status, (overall.byStatus.get(status) ?? 0) + 1);
  }

  statusLine(): string {
    return formatStatuses(this.byStatus);
  }

  labelLine(): string {
    return [...this.byLabel.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([l, n]) => `${l} ${n}`)
      .join(', ');
  }
}

const overall = { total: 0, byStatus: new Map<number, number>(), suites: [] as string[] };

function formatStatuses(m: Map<number, number>): string {
  return [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
}

export function printSuiteSummary(name: string, config: FuzzConfig, tally: Tally, startedAt: number): void {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const line = `fuzz ${name}: ${tally.total} requests in ${seconds} s (FUZZ_SEED=${config.seed} FUZZ_RUNS=${config.runs}) — ${tally.statusLine()}`;
  overall.suites.push(name);
  console.log(`      ${line}`);
  console.log(`        by kind: ${tally.labelLine()}`);
}

// One line for the whole run, after every suite (a root hook: this module is loaded by the fuzz test files).
after(() => {
  if (overall.total === 0) return;
  console.log(
    `\n  fuzz total: ${overall.total} requests (${overall.suites.join(' + ')}) — ${formatStatuses(overall.byStatus)}\n`,
  );
});

// ---------------------------------------------------------------------------------------------------------
// HTTP

export interface HttpResult {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

export async function send(url: string, init: RequestInit): Promise<HttpResult> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

// ---------------------------------------------------------------------------------------------------------
// Response checks. Each returns a list of problems (empty = fine), so a run can report every failure it saw.

export interface FieldIssueBody {
  field: string;
  message: string;
}

export interface ErrorBodyShape {
  error: { code: string; message: string; details?: { issues?: FieldIssueBody[] } & Record<string, unknown> };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The one error format; a 400 is MALFORMED_JSON (nothing to name) or names at least one field. */
export function errorFormatProblems(res: HttpResult, options: { anyCode400?: boolean } = {}): string[] {
  const problems: string[] = [];
  const body = res.json;
  if (!isRecord(body) || !isRecord(body.error))
    return [`body is not {"error":{…}}: ${res.text.slice(0, 200)}`];
  const { code, message, details } = body.error;
  if (typeof code !== 'string' || code === '') problems.push('error.code is not a non-empty string');
  if (typeof message !== 'string' || message === '') problems.push('error.message is not a non-empty string');
  const extra = Object.keys(body).filter((k) => k !== 'error');
  if (extra.length) problems.push(`unexpected top-level keys ${extra.join(', ')}`);
  if (res.status === 400 && code !== 'MALFORMED_JSON' && !options.anyCode400) {
    if (code !== 'VALIDATION_FAILED') problems.push(`a 400 with code ${String(code)}`);
    const issues = isRecord(details) ? details.issues : undefined;
    if (!Array.isArray(issues) || issues.length === 0) problems.push('a 400 without details.issues');
    else if (
      !issues.every(
        (i) => isRecord(i) && typeof i.field === 'string' && i.field !== '' && typeof i.message === 'string',
      )
    )
      problems.push(`details.issues entries without a field: ${JSON.stringify(issues).slice(0, 200)}`);
  }
  return problems;
}

export function issuesOf(res: HttpResult): FieldIssueBody[] {
  const body = res.json as ErrorBodyShape | undefined;
  return body?.error?.details?.issues ?? [];
}

export function errorCodeOf(res: HttpResult): string | undefined {
  const body = res.json as ErrorBodyShape | undefined;
  return isRecord(body) && isRecord(body.error) && typeof body.error.code === 'string'
    ? body.error.code
    : undefined;
}

/** Does some issue name `field` (itself, something inside it, or — for an unknown key — its name in the message)? */
export function namesField(res: HttpResult, field: string, unknownKey?: string): boolean {
  if (field === '(body)') return issuesOf(res).length > 0;
  return issuesOf(res).some(
    (i) =>
      i.field === field ||
      i.field.startsWith(`${field}.`) ||
      (unknownKey !== undefined && i.message.includes(unknownKey)) ||
      // A field no object can hold (e.g. `a.b` where `a` is a string) is reported at its parent.
      (field.startsWith(`${i.field}.`) && i.field !== '(body)'),
  );
}

// ---------------------------------------------------------------------------------------------------------
// "Nothing written": a fingerprint of every table's content.

export async function tableNames(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migration%' ORDER BY tablename`,
  );
  return rows.map((r) => r.tablename);
}

/**
 * `{table: "rows:newest xmin"}` of the given tables: any insert, update or delete changes it (a new row
 * version has a newer xmin), without reading the rows' content.
 */
export async function fingerprint(db: Db, tables: string[]): Promise<Record<string, string>> {
  const sql = tables
    .map(
      (t) =>
        `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(max(xmin::text::bigint), 0)::text AS f FROM "${t}"`,
    )
    .join(' UNION ALL ');
  const { rows } = await db.query<{ t: string; f: string }>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, r.f]));
}

export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}

// ---------------------------------------------------------------------------------------------------------
// Workflows on a task queue.

export async function workflowIdsOnQueue(temporal: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of temporal.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
    ids.push(wf.workflowId);
  return ids;
}

/** Waits until visibility lists at least `expected` workflows (or the time is up), then returns the ids. */
export async function settledWorkflowIds(
  temporal: Client,
  taskQueue: string,
  expected: number,
): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ids = await workflowIdsOnQueue(temporal, taskQueue);
    if (ids.length >= expected || Date.now() > deadline) {
      // One more look a moment later, so a late unexpected start is seen too.
      await new Promise((r) => setTimeout(r, 500));
      return workflowIdsOnQueue(temporal, taskQueue);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function terminateAll(temporal: Client, ids: Iterable<string>): Promise<void> {
  for (const id of new Set(ids)) {
    await temporal.workflow
      .getHandle(id)
      .terminate('fuzz suite finished')
      .catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Failures: collected per run (up to a limit) and reported together with the seed.

export class Failures {
  private readonly seen = new Map<string, { count: number; example: string }>();

  constructor(
    private readonly suite: string,
    private readonly config: FuzzConfig,
  ) {}

  /** `kind` groups the same failure; `example` shows one request that caused it. */
  add(kind: string, example: string): void {
    const entry = this.seen.get(kind);
    if (entry) entry.count++;
    else this.seen.set(kind, { count: 1, example });
  }

  /** One failure listing (up to five of) `items`, when there are any. */
  addIfAny(kind: string, items: string[]): void {
    if (items.length) this.add(kind, items.slice(0, 5).join(', '));
  }

  get size(): number {
    return this.seen.size;
  }

  report(): string {
    const lines = [...this.seen.entries()].map(
      ([kind, { count, example }]) => `  ✗ ${kind} (×${count})\n      e.g. ${example}`,
    );
    return `fuzz ${this.suite}: ${this.seen.size} kind(s) of failure (reproduce with FUZZ_SEED=${this.config.seed} FUZZ_RUNS=${this.config.runs}):\n${lines.join('\n')}`;
  }
}

export function preview(value: unknown, max = 240): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (value instanceof Uint8Array) s = `<${value.length} bytes>`;
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}
