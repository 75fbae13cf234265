import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { ACME_ACCOUNT } from '../support/bills';
import { WEBHOOK_API_KEY, WEBHOOK_SECRET, startSyncHarness, type SyncHarness } from '../support/sync-harness';
import {
  Failures,
  Tally,
  changedTables,
  errorCodeOf,
  errorFormatProblems,
  fingerprint,
  fuzzConfig,
  isRecord,
  namesField,
  preview,
  printSuiteSummary,
  send,
  settledWorkflowIds,
  tableNames,
  terminateAll,
  type HttpResult,
} from './support/fuzz-kit';
import { prototypePolluted } from './support/hostile';
import {
  bodyBytes,
  encode,
  eventOf,
  isReplay,
  pinnedWebhookCases,
  validBill,
  webhookCase,
  type AuthCase,
  type BodyVerdict,
  type ReplayCase,
  type WebhookCase,
} from './support/webhook-cases';

/**
 * Fuzz of `POST /webhooks/m3ter`: generated deliveries (malformed JSON, wrong shapes and types, mutated
 * bills, huge values, prototype keys, bad/stale/replayed signatures, odd content types and encodings).
 *
 * For every request: never a 5xx; 202 only for a validly signed, valid event; otherwise a 4xx in the one
 * error format (a 400 names the field); nothing written to the database by a rejected request or a replay;
 * Object.prototype untouched. At the end: every workflow on the suite's task queue was reported by a 202.
 */

const PATH = '/webhooks/m3ter';
const TOLERANCE_SECONDS = 300;
const MAX_BODY_BYTES = 1_048_576; // the sync harness's limit

interface Delivery {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The bytes the signature covers (the body before any content encoding). */
  payload: Buffer;
  eventId: string;
  timestamp: number;
  /** The first answer was `processed`, `duplicate` or `stale`: the event id is claimed. */
  claimed: boolean;
}

interface Built {
  path: string;
  headers: Headers;
  body: Buffer;
  payload: Buffer;
  /** Allowed statuses before the body is looked at (413/415/400/401), or undefined: the body decides. */
  transportOrAuth?: number[];
  signedValidly: boolean;
  timestamp: number;
}

function hmac(secret: string, path: string, apiKey: string, timestamp: string, body: Buffer): string {
  return createHmac('sha256', secret).update(`${path}|${apiKey}|${timestamp}|`).update(body).digest('hex');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Turns a generated case into the bytes and headers to send, and the status its transport/auth deserve. */
function build(c: WebhookCase): Built {
  let payload = bodyBytes(c.body);
  let path = PATH;
  let apiKey = WEBHOOK_API_KEY;
  let signedApiKey = WEBHOOK_API_KEY;
  let secret = WEBHOOK_SECRET;
  let signedPath = PATH;
  let timestamp = nowSeconds();
  let timestampHeader: string | null = String(timestamp);
  let signedTimestamp = String(timestamp);
  let signedBody: Buffer | undefined;
  let signatureOverride: ((sig: string) => string | string[] | null) | undefined;
  let authOk = true;

  const auth: AuthCase = c.auth;
  switch (auth.kind) {
    case 'valid':
      break;
    case 'valid-uppercase':
      signatureOverride = (s) => s.toUpperCase();
      break;
    case 'valid-ms-timestamp':
      timestampHeader = signedTimestamp = String(Date.now());
      break;
    case 'valid-with-query':
      path = signedPath = `${PATH}?source=fuzz&n=${timestamp}`;
      break;
    case 'wrong-secret':
      secret = 'not-the-secret-0123456789abcdef';
      authOk = false;
      break;
    case 'missing':
      authOk = false;
      if (auth.header === 'signature') signatureOverride = () => null;
      if (auth.header === 'timestamp') timestampHeader = null;
      if (auth.header === 'apiKey') apiKey = '';
      break;
    case 'wrong-api-key':
      apiKey = signedApiKey = auth.apiKey;
      authOk = false;
      break;
    case 'api-key-mismatch':
      apiKey = 'another-destination-key';
      authOk = false;
      break;
    case 'garbled-signature':
      authOk = false;
      signatureOverride = (s) => {
        switch (auth.how) {
          case 'flip':
            return `${s.slice(0, 10)}${s[10] === '0' ? '1' : '0'}${s.slice(11)}`;
          case 'truncate':
            return s.slice(0, 63);
          case 'non-hex':
            return `${s.slice(0, 63)}g`;
          case 'prefixed':
            return `sha256=${s}`;
          case 'long':
            return s.repeat(100);
          case 'empty-ish':
            return '0'.repeat(64);
          case 'doubled':
            return [s, s];
        }
      };
      break;
    case 'stale':
      timestamp += auth.offsetSeconds;
      timestampHeader = signedTimestamp = String(timestamp);
      authOk = false;
      break;
    case 'garbage-timestamp':
      timestampHeader = signedTimestamp = auth.value;
      authOk = false;
      break;
    case 'other-body':
      signedBody = Buffer.concat([payload, Buffer.from(' ')]);
      authOk = false;
      break;
    case 'other-path':
      signedPath = `${PATH}?x=1`;
      authOk = false;
      break;
  }

  const headers = new Headers();
  let transportOrAuth: number[] | undefined;
  const t = c.transport;
  switch (t.kind) {
    case 'plain':
      if (t.contentType !== null) headers.set('content-type', t.contentType);
      break;
    case 'gzip':
    case 'deflate':
    case 'br':
      headers.set('content-type', 'application/json');
      headers.set('content-encoding', t.kind);
      break;
    case 'corrupt-encoding':
      headers.set('content-type', 'application/json');
      headers.set('content-encoding', t.encoding);
      break;
    case 'unknown-encoding':
      headers.set('content-type', 'application/json');
      headers.set('content-encoding', t.encoding);
      transportOrAuth = [415];
      break;
    case 'gzip-bomb':
    case 'oversize': {
      // Pad a valid event past the limit: the size alone must decide (413), whatever the signature.
      const padded = Buffer.from(
        JSON.stringify({
          ...eventOf(`fz-evt-${randomUUID()}`, 'billing.bill.updated', {}),
          padding: 'x'.repeat(MAX_BODY_BYTES * (t.kind === 'gzip-bomb' ? 5 : 1)),
        }),
      );
      payload = padded;
      headers.set('content-type', 'application/json');
      if (t.kind === 'gzip-bomb') headers.set('content-encoding', 'gzip');
      transportOrAuth = [413];
      break;
    }
  }

  const signature = hmac(secret, signedPath, signedApiKey, signedTimestamp, signedBody ?? payload);
  let wire = payload;
  if (t.kind === 'gzip' || t.kind === 'deflate' || t.kind === 'br' || t.kind === 'gzip-bomb')
    wire = encode(t.kind === 'gzip-bomb' ? 'gzip' : t.kind, payload);
  if (t.kind === 'corrupt-encoding') {
    wire = Buffer.from(t.garbage, 'base64');
    if (!transportOrAuth) transportOrAuth = decodes(t.encoding, wire) ? [400, 401] : [400];
  }

  headers.set('x-m3ter-apikey', apiKey);
  if (timestampHeader !== null) headers.set('x-m3ter-timestamp', timestampHeader);
  const sig = signatureOverride ? signatureOverride(signature) : signature;
  if (Array.isArray(sig)) for (const s of sig) headers.append('x-m3ter-signature', s);
  else if (sig !== null) headers.set('x-m3ter-signature', sig);

  if (!transportOrAuth && !authOk) transportOrAuth = [401];
  return { path, headers, body: wire, payload, transportOrAuth, signedValidly: authOk, timestamp };
}

function decodes(encoding: 'gzip' | 'deflate' | 'br', bytes: Buffer): boolean {
  try {
    if (encoding === 'gzip') gunzipSync(bytes);
    else if (encoding === 'deflate') inflateSync(bytes);
    else brotliDecompressSync(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('fuzz: m3ter webhook (signed deliveries)', function () {
  const config = fuzzConfig(500);
  this.timeout(120_000 + config.runs * 200);
  let h: SyncHarness;
  let integrationId: string;
  let tables: string[];

  before(async () => {
    // The body is validated and stored only when the service runs from webhook bodies; with m3ter's API
    // (test/workflows/m3ter-source.test.ts) a delivery is a trigger and only its ids are checked.
    h = await startSyncHarness({ workers: 0, billSource: 'webhook' });
    await h.putAccount(ACME_ACCOUNT);
    ({ id: integrationId } = await h.createIntegration());
    tables = await tableNames(h.database.db);
  });
  after(async () => h?.stop());

  it(`answers every generated delivery with 202 (valid) or a clean 4xx, and rejected ones start and write nothing`, async () => {
    const startedAt = Date.now();
    const tally = new Tally();
    const failures = new Failures('webhook', config);
    const cases = [
      ...pinnedWebhookCases(),
      ...fc.sample(webhookCase, { seed: config.seed, numRuns: config.runs }),
    ];
    const accepted: Delivery[] = [];
    const reported = new Set<string>();
    const acceptedBills = new Set<string>();
    const db = h.database.db;
    let last = await fingerprint(db, tables);

    const post = async (path: string, headers: Headers, body: Buffer): Promise<HttpResult> =>
      send(`${h.api.baseUrl}${path}`, { method: 'POST', headers, body });

    for (const c of cases) {
      let res: HttpResult;
      let label: string;
      const problems: string[] = [];
      let mayWrite = false;

      if (isReplay(c)) {
        const r = replayDelivery(c, accepted);
        if (!r) continue;
        label = `replay (${c.replay})`;
        res = await post(r.path, r.headers, r.body);
        const age = nowSeconds() - r.timestamp;
        // Within the tolerance a replay is a duplicate; past it, a 401; at the edge, either.
        if (age > TOLERANCE_SECONDS + 10) {
          if (res.status !== 401) problems.push(`stale replay answered ${res.status}, not 401`);
        } else if (res.status !== 202 && !(age >= TOLERANCE_SECONDS - 10 && res.status === 401))
          problems.push(`replay answered ${res.status}, not 202`);
        else if (res.status === 202) {
          const body = res.json as { result?: string; workflows?: unknown[] };
          if (!['duplicate', 'ignored'].includes(String(body.result)))
            problems.push(`replay result ${String(body.result)}, not duplicate`);
          if (!Array.isArray(body.workflows) || body.workflows.length)
            problems.push(`replay reported workflows ${preview(body.workflows)}`);
        }
        problems.push(...(await unchanged()));
        record(res, label, problems, `${c.replay} replay of ${r.eventId}`);
        continue;
      }

      const built = build(c);
      label = c.body.label;
      res = await post(built.path, built.headers, built.body);

      if (built.transportOrAuth) {
        if (!built.transportOrAuth.includes(res.status))
          problems.push(
            `expected ${built.transportOrAuth.join('/')} (${c.auth.kind}, ${c.transport.kind}), got ${res.status}`,
          );
        label =
          c.transport.kind !== 'plain' && built.transportOrAuth[0] !== 401
            ? `transport ${c.transport.kind}`
            : `auth ${c.auth.kind}`;
      } else {
        const verdict: BodyVerdict = c.body.verdict;
        if (verdict.kind === 'accept') {
          if (res.status !== 202) problems.push(`a valid event answered ${res.status}`);
          else problems.push(...acceptedProblems(res, verdict));
        } else if (verdict.kind === 'reject') {
          if (res.status !== 400) problems.push(`an invalid event answered ${res.status}, not 400`);
          else if (
            verdict.field &&
            errorCodeOf(res) === 'VALIDATION_FAILED' &&
            !namesField(res, verdict.field, verdict.unknownKey)
          )
            problems.push(`the 400 does not name ${verdict.field}: ${preview(res.json, 300)}`);
        } else {
          if (res.status !== 202 && res.status !== 400)
            problems.push(`answered ${res.status}, not 202 or 400`);
          if (
            res.status === 400 &&
            verdict.field &&
            errorCodeOf(res) === 'VALIDATION_FAILED' &&
            !namesField(res, verdict.field)
          )
            problems.push(`the 400 does not name ${verdict.field}: ${preview(res.json, 300)}`);
        }
        mayWrite = res.status === 202;
      }

      if (res.status === 202) {
        const body = res.json as { result?: string; workflows?: string[]; eventId?: string };
        for (const w of body.workflows ?? []) reported.add(w);
        const v = c.body.verdict;
        if (v.kind !== 'reject' && v.billId) acceptedBills.add(v.billId);
        if (!built.signedValidly) problems.push('a delivery without a valid signature was accepted');
        accepted.push({
          path: built.path,
          headers: Object.fromEntries(built.headers.entries()),
          body: built.body,
          payload: built.payload,
          eventId: String(body.eventId),
          timestamp: built.timestamp,
          claimed: ['processed', 'duplicate', 'stale'].includes(String(body.result)),
        });
      }
      if (!mayWrite) problems.push(...(await unchanged()));
      else last = await fingerprint(db, tables);
      record(
        res,
        label,
        problems,
        `${c.auth.kind} / ${c.transport.kind} / ${c.body.label}: ${preview(c.body.binary ? `<${c.body.text.length} base64 chars>` : c.body.text)}`,
      );
    }

    // Nothing half-done, nothing unexpected.
    const { rows: unfinished } = await db.query<{ event_id: string }>(
      'SELECT event_id FROM webhook_events WHERE processed_at IS NULL',
    );
    failures.addIfAny(
      'webhook events claimed but never finished',
      unfinished.map((r) => r.event_id),
    );
    const { rows: bills } = await db.query<{ id: string }>('SELECT id FROM bills');
    failures.addIfAny(
      'bills stored by requests that were not accepted',
      bills.map((b) => b.id).filter((id) => !acceptedBills.has(id)),
    );
    const onQueue = await settledWorkflowIds(h.temporal, h.taskQueue, reported.size);
    failures.addIfAny(
      'workflows started that no 202 reported',
      onQueue.filter((id) => !reported.has(id)),
    );
    await terminateAll(h.temporal, onQueue);

    printSuiteSummary('webhook', config, tally, startedAt);
    console.log(
      `        accepted ${accepted.length}, workflows started ${onQueue.length} (all reported by a 202)`,
    );
    assert.equal(failures.size, 0, failures.report());

    async function unchanged(): Promise<string[]> {
      const now = await fingerprint(db, tables);
      const changed = changedTables(last, now);
      last = now;
      return changed.length ? [`wrote to ${changed.join(', ')}`] : [];
    }

    function record(r: HttpResult, kind: string, found: string[], example: string): void {
      tally.record(r.status, kind);
      if (r.status >= 500) found.unshift(`${r.status}: ${preview(r.json ?? r.text, 200)}`);
      if (r.status >= 400) found.push(...errorFormatProblems(r));
      if (r.status !== 202 && r.status < 400) found.push(`unexpected status ${r.status}`);
      if (prototypePolluted()) found.push('Object.prototype was polluted');
      for (const p of found)
        failures.add(
          `${kind}: ${p.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').slice(0, 160)}`,
          `${example}\n      → ${r.status} ${preview(r.json ?? r.text, 300)}`,
        );
    }

    function acceptedProblems(r: HttpResult, v: Extract<BodyVerdict, { kind: 'accept' }>): string[] {
      const body = r.json;
      if (!isRecord(body)) return ['a 202 without a JSON body'];
      const out: string[] = [];
      if (body.eventId !== v.eventId) out.push(`202 for event ${String(body.eventId)}, not ${v.eventId}`);
      if (!Array.isArray(body.workflows)) out.push('202 without a workflows list');
      if (v.startsWorkflow) {
        if (body.result !== 'processed') out.push(`a new bill was ${String(body.result)}, not processed`);
        const expected = `bill-sync/${integrationId}/${v.billId}`;
        if (!Array.isArray(body.workflows) || body.workflows.length !== 1 || body.workflows[0] !== expected)
          out.push(`a new bill reported workflows ${preview(body.workflows)}, not [${expected}]`);
      } else if (!['processed', 'stale', 'ignored'].includes(String(body.result)))
        out.push(`result ${String(body.result)}`);
      return out;
    }
  });

  it('a replayed delivery (same event id, same signature) is a duplicate and starts nothing new', async () => {
    const bill = fc.sample(validBill, { seed: config.seed, numRuns: 1 })[0]!;
    const event = eventOf(`fz-evt-${randomUUID()}`, 'billing.bill.updated', bill);
    const body = Buffer.from(JSON.stringify(event));
    const timestamp = String(nowSeconds());
    const headers = {
      'content-type': 'application/json',
      'x-m3ter-apikey': WEBHOOK_API_KEY,
      'x-m3ter-timestamp': timestamp,
      'x-m3ter-signature': hmac(WEBHOOK_SECRET, PATH, WEBHOOK_API_KEY, timestamp, body),
    };
    const first = await send(`${h.api.baseUrl}${PATH}`, { method: 'POST', headers, body });
    assert.equal(first.status, 202, first.text);
    const workflowId = `bill-sync/${integrationId}/${bill.id}`;
    assert.deepEqual((first.json as { workflows: string[] }).workflows, [workflowId]);
    const runBefore = (await h.temporal.workflow.getHandle(workflowId).describe()).runId;
    const before = await fingerprint(h.database.db, tables);
    const again = await Promise.all(
      Array.from({ length: 5 }, () => send(`${h.api.baseUrl}${PATH}`, { method: 'POST', headers, body })),
    );
    for (const r of again) {
      assert.equal(r.status, 202, r.text);
      assert.equal((r.json as { result: string }).result, 'duplicate');
      assert.deepEqual((r.json as { workflows: string[] }).workflows, []);
    }
    assert.deepEqual(await fingerprint(h.database.db, tables), before);
    const described = await h.temporal.workflow.getHandle(workflowId).describe();
    assert.equal(described.runId, runBefore, 'no new run');
    assert.ok(
      (await h.temporal.workflow.getHandle(workflowId).fetchHistory()).events?.filter(
        (e) => e.workflowExecutionSignaledEventAttributes,
      ).length === 1,
      'signalled once',
    );
    await h.temporal.workflow.getHandle(workflowId).terminate('fuzz');
  });
});

/** The request of a replay case, or undefined when there is nothing to replay yet. */
function replayDelivery(
  c: ReplayCase,
  accepted: Delivery[],
): (Omit<Delivery, 'headers'> & { headers: Headers }) | undefined {
  const pool = c.replay === 'same-id-new-content' ? accepted.filter((d) => d.claimed) : accepted;
  if (!pool.length) return undefined;
  const d = pool[c.n % pool.length]!;
  if (c.replay === 'exact') return { ...d, headers: new Headers(d.headers) };
  let body = d.payload;
  if (c.replay === 'same-id-new-content') {
    const bill = fc.sample(validBill, { seed: c.n, numRuns: 1 })[0]!;
    body = Buffer.from(
      JSON.stringify(
        eventOf(d.eventId, 'billing.bill.updated', { ...bill, id: `fz-never-stored-${randomUUID()}` }),
      ),
    );
  }
  const path = PATH;
  const timestamp = nowSeconds();
  const headers = new Headers({
    'content-type': 'application/json',
    'x-m3ter-apikey': WEBHOOK_API_KEY,
    'x-m3ter-timestamp': String(timestamp),
    'x-m3ter-signature': hmac(WEBHOOK_SECRET, path, WEBHOOK_API_KEY, String(timestamp), body),
  });
  return { ...d, path, body, headers, timestamp };
}
