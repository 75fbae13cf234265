/**
 * `npm run bench [-- --quick] [-- --bills N --realms R --concurrency C …]`   (`-- --help` lists every flag)
 *
 * Boots the whole service (embedded PostgreSQL, Temporal dev server, the QuickBooks emulator, the API and a
 * worker as separate processes), drives bills through signed webhooks and reports, as a table and as
 * bench/results/latest.json (+ latest.txt, latest.svg):
 *   - warm-up: the first bill of every account (customer lookup or creation, company preferences)
 *   - main: N bills over R realms, sent as fast as the API acknowledges them — bills/s end to end, webhook
 *     acknowledgement and bill-to-document latency, QuickBooks calls per bill in the steady state, CPU per bill
 *   - baseline: as many createInvoice calls straight through node-quickbooks, C at a time, on the same
 *     emulator, realms and invoice bodies — no Temporal, no database; printed as the ratio ours / baseline
 *   - governor: the rate governor and QuickBooks client alone (two governors on one PostgreSQL, as two
 *     workers) against one realm with the emulator enforcing QuickBooks' 500/min and 10 concurrent
 *   - limits: the whole pipeline on one realm with those limits enforced, one request per bill — the achieved
 *     rate as a share of 500/min, the 429s the emulator sent and the runs that did not end COMPLETE
 *   - month-end: --month-end-bills (10,000) into one company with every limit enforced (40 batches a minute too)
 *     and a worker as deployed — time against the batch path's QuickBooks-limited minimum, batches, 429s, one
 *     document per bill to the cent, statements, workflow tasks and cache misses per bill, RSS; its rate is also
 *     set against the baseline
 *   - in flight: --inflight bills (default 1,000) acknowledged while no worker runs, then a fresh worker takes
 *     them all at once; its resident memory is read from /proc while they are in flight
 * Every phase is bounded in time (--timeout-s; the in-flight phase by --inflight-seconds).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import QuickBooks from 'node-quickbooks';
import { createPool } from '../src/db/pool';
import type { QboDocument } from '../src/domain/invoice';
import { getRunDocument } from '../src/db/repositories/runs.repository';
import { QuickBooksClient } from '../src/quickbooks/client';
import { QuickBooksError } from '../src/quickbooks/errors';
import { PgRateGovernor, RealmBusyError } from '../src/quickbooks/rate-governor';
import { billSyncWorkflowId } from '../src/domain/ids';
import {
  connectTemporalClient,
  startSharedEnvironment,
  stopSharedEnvironment,
} from '../test/support/environment';
import { buildCompiled } from './support/compiled';
import { cpuByComponent, cpuDelta } from './support/cpu';
import { machine, mb, percentile, round, svgChart, table, targetTable, type Target } from './support/report';
import { watchPhase, type PhaseProgress, type Sample } from './support/sampler';
import { runCli } from './support/cli';
import { PROJECT_ROOT, type ServiceProcess } from './support/service-process';
import { freePort, startStack, type RealmIntegration, type Stack } from './support/stack';
import {
  accountsFor,
  documentsByBill,
  endedWell,
  firstBillPerAccount,
  outcomes,
  planBills,
  sendAll,
  sleep,
  type PlannedBill,
} from './support/workload';

const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');
const QBO_RATE_PER_MINUTE = 500;
const RSS_LIMIT_MB = 300;

interface Options {
  quick: boolean;
  bills: number;
  realms: number;
  accounts: number;
  concurrency: number;
  /** Further concurrencies to compare with the baseline (each: a fresh worker, a main phase, a baseline). */
  sweep: number[];
  senders: number;
  latencyMs: number;
  governorSeconds: number;
  governorLanes: number;
  limitsBills: number;
  limitsConcurrency: number;
  monthEndBills: number;
  monthEndAccounts: number;
  inflight: number;
  inflightSeconds: number;
  workerHeapMb: number | undefined;
  workerCache: number | undefined;
  skip: Set<string>;
  runtime: 'tsx' | 'compiled';
  cpuProfileDir: string | undefined;
  timeoutS: number;
  out: string;
}

const PHASES = ['baseline', 'governor', 'limits', 'month-end', 'inflight'] as const;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      bills: { type: 'string' },
      realms: { type: 'string' },
      accounts: { type: 'string' },
      concurrency: { type: 'string' },
      sweep: { type: 'string', default: '' },
      senders: { type: 'string' },
      'latency-ms': { type: 'string' },
      'governor-seconds': { type: 'string' },
      'governor-lanes': { type: 'string' },
      'limits-bills': { type: 'string' },
      'limits-concurrency': { type: 'string' },
      'month-end-bills': { type: 'string' },
      'month-end-accounts': { type: 'string' },
      inflight: { type: 'string' },
      'inflight-seconds': { type: 'string' },
      'worker-heap-mb': { type: 'string' },
      'worker-cache': { type: 'string' },
      skip: { type: 'string', default: '' },
      runtime: { type: 'string', default: 'tsx' },
      'cpu-prof-dir': { type: 'string' },
      'timeout-s': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`npm run bench -- [flags]            (full defaults; --quick gives the smaller value in brackets)
  --bills 500 [150]            bills in the main phase, round-robin over the realms and their accounts
  --realms 10 [4]              QuickBooks companies (one integration each)
  --accounts 5 [3]             m3ter accounts per realm
  --concurrency 10             worker activity slots (WORKER_MAX_CONCURRENT_ACTIVITIES) = baseline lanes
  --sweep 1,2,5                also compare with the baseline at these concurrencies (--bills each)
  --senders 20                 webhooks in flight at once
  --latency-ms 300             added to every emulated QuickBooks request (product and baseline alike)
  --governor-seconds 75 [20]   governor-only run against the enforced limits
  --governor-lanes 50          callers competing for the one realm in that run
  --limits-bills 600 [120]     bills on the one realm with limits enforced (end to end)
  --limits-concurrency 50      worker activity slots in that run (the product default); one request per bill
  --month-end-bills 10000 [2000]  month-end: a backlog into one company with every limit enforced (500/min,
                               10 at once, 40 batches/min), batched writes on, the worker as deployed
  --month-end-accounts 20      m3ter accounts of that company
  --inflight 1000 [300]        bills acknowledged before a fresh worker starts on them
  --inflight-seconds 150 [60]  how long the worker's memory is watched in that phase
  --worker-heap-mb N           NODE_OPTIONS=--max-old-space-size=N --max-semi-space-size=8 for the workers (as deployed: 192)
  --worker-cache N             WORKER_MAX_CACHED_WORKFLOWS for the workers (default: the product's, 100)
  --skip baseline,governor,limits,month-end,inflight
  --runtime tsx|compiled       src/main.ts through tsx (default), or the tsc build as in the image
  --cpu-prof-dir DIR           the workers write V8 CPU profiles there when they stop (open in Chrome DevTools)
  --timeout-s 900              bound on each phase
  --out bench/results/latest.json`);
    process.exit(0);
  }
  const quick = values.quick === true;
  const int = (name: string, v: string | undefined, full: number, short = full, min = 1): number => {
    const n = v === undefined ? (quick ? short : full) : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  const runtime = values.runtime;
  if (runtime !== 'tsx' && runtime !== 'compiled') throw new Error('--runtime is tsx or compiled');
  const skip = new Set(
    values.skip
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const s of skip)
    if (!(PHASES as readonly string[]).includes(s))
      throw new Error(`--skip: unknown phase ${s} (${PHASES.join(', ')})`);
  return {
    quick,
    bills: int('bills', values.bills, 500, 150),
    realms: int('realms', values.realms, 10, 4),
    accounts: int('accounts', values.accounts, 5, 3),
    concurrency: int('concurrency', values.concurrency, 10),
    sweep: values.sweep
      .split(',')
      .filter((v) => v.trim() !== '')
      .map((v) => int('sweep', v.trim(), 1)),
    senders: int('senders', values.senders, 20),
    latencyMs: int('latency-ms', values['latency-ms'], 300, 300, 0),
    governorSeconds: int('governor-seconds', values['governor-seconds'], 75, 20),
    governorLanes: int('governor-lanes', values['governor-lanes'], 50),
    limitsBills: int('limits-bills', values['limits-bills'], 600, 120),
    limitsConcurrency: int('limits-concurrency', values['limits-concurrency'], 50),
    monthEndBills: int('month-end-bills', values['month-end-bills'], 10_000, 2000),
    monthEndAccounts: int('month-end-accounts', values['month-end-accounts'], 20),
    inflight: int('inflight', values.inflight, 1000, 300),
    inflightSeconds: int('inflight-seconds', values['inflight-seconds'], 150, 60),
    workerHeapMb:
      values['worker-heap-mb'] === undefined
        ? undefined
        : int('worker-heap-mb', values['worker-heap-mb'], 0, 0, 64),
    workerCache:
      values['worker-cache'] === undefined
        ? undefined
        : int('worker-cache', values['worker-cache'], 0, 0, 40),
    skip,
    runtime,
    cpuProfileDir: values['cpu-prof-dir'] === undefined ? undefined : path.resolve(values['cpu-prof-dir']),
    timeoutS: int('timeout-s', values['timeout-s'], 900),
    out: path.resolve(values.out ?? path.join(RESULTS_DIR, 'latest.json')),
  };
}

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

let stack: Stack | undefined;

async function main(): Promise<number> {
  const o = parseOptions();
  const workDir = path.join(RESULTS_DIR, 'work');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  log(`options ${JSON.stringify({ ...o, skip: [...o.skip] })}`);
  const started = Date.now();
  // pg_stat_statements counts the service's statements (bench/support/statements.ts).
  await startSharedEnvironment({ postgresSettings: { shared_preload_libraries: 'pg_stat_statements' } });
  try {
    const entry =
      o.runtime === 'compiled'
        ? [await buildCompiled(path.join(RESULTS_DIR, 'dist'), path.join(workDir, 'build.log'))]
        : undefined;
    const workerEnv: Record<string, string> = { WORKER_MAX_CONCURRENT_ACTIVITIES: String(o.concurrency) };
    if (o.workerHeapMb) workerEnv.NODE_OPTIONS = workerNodeOptions(o.workerHeapMb);
    if (o.workerCache) workerEnv.WORKER_MAX_CACHED_WORKFLOWS = String(o.workerCache);
    stack = await startStack({
      workDir,
      workers: 1,
      entry,
      cpuProfileDir: o.cpuProfileDir,
      workerEnv,
      // Every QuickBooks request takes latencyMs, for the product and the baseline alike.
      emulator: { faults: o.latencyMs > 0 ? { latencyMs: o.latencyMs, latencyShare: 1 } : undefined },
    });
    const s = stack;
    const worker = s.workers[0]!;
    const idle = worker.memory();
    log(`stack up in ${round((Date.now() - started) / 1000, 1)} s; worker RSS ${mb(idle?.rssBytes)} MB`);

    const realms: RealmIntegration[] = [];
    for (let r = 0; r < o.realms; r++) realms.push(await s.connectRealm(accountsFor('bench', r, o.accounts)));

    const warm = await runPhase(s, 'bw', firstBillPerAccount('bw', realms), o, () => [worker]);
    log(
      `warm-up: ${warm.summary.bills} first bills, ${warm.summary.quickBooksCallsPerBill} QuickBooks calls each`,
    );

    const main = await runPhase(s, 'bm', planBills('bm', realms, o.bills), o, () => [worker]);
    const mainResult = {
      ...main.summary,
      workerRssIdleMb: mb(idle?.rssBytes),
      workerRssPeakMb: peakRssMb(main.samples),
    };
    log(
      `main: ${mainResult.billsPerSecond} bills/s, ${mainResult.quickBooksCallsPerBill} calls/bill, worker RSS peak ${mainResult.workerRssPeakMb} MB`,
    );

    const baseline = o.skip.has('baseline')
      ? undefined
      : await runBaseline(s, realms, o.bills, o.concurrency);
    if (baseline) log(`baseline: ${baseline.perSecond} invoices/s (${baseline.errors} errors)`);

    const sweep: SweepPoint[] = [];
    if (mainResult && baseline) sweep.push(sweepPoint(o.concurrency, mainResult, baseline));
    for (const c of o.sweep) {
      const w = await s.addWorker({ WORKER_MAX_CONCURRENT_ACTIVITIES: String(c) });
      for (const other of s.workers) if (other !== w) await other.stop();
      const phase = await runPhase(s, `bs${c}x`, planBills(`bs${c}x`, realms, o.bills), o, () => [w]);
      const b = await runBaseline(s, realms, o.bills, c);
      sweep.push(sweepPoint(c, phase.summary, b));
      log(`sweep: concurrency ${c}: ${phase.summary.billsPerSecond} bills/s vs baseline ${b.perSecond}/s`);
    }

    const governor = o.skip.has('governor') ? undefined : await runGovernor(s, o);
    if (governor)
      log(
        `governor: ${governor.callsPerMinute}/min = ${governor.shareOfCeiling} of 500/min, 429s ${governor.throttled}`,
      );

    for (const w of s.workers) await w.stop();
    let limits: LimitsResult | undefined;
    if (!o.skip.has('limits')) {
      limits = await runLimits(s, o);
      log(
        `limits: ${limits.callsPerMinute}/min = ${limits.shareOfCeiling} of 500/min, 429s ${limits.emulator429s}, runs not COMPLETE ${limits.runsNotComplete}`,
      );
    }

    const monthEnd = o.skip.has('month-end') ? undefined : await runMonthEnd(s, o);
    if (monthEnd)
      log(
        `month-end: ${monthEnd.bills} bills in ${monthEnd.seconds} s = ${monthEnd.timeOverMinimum} × the batch path's minimum; ${monthEnd.batches} batches, 429s ${monthEnd.emulator429s}`,
      );

    const inflight = o.skip.has('inflight') ? undefined : await runInFlight(s, realms, o);
    if (inflight)
      log(
        `in flight: ${inflight.inFlightAtPeak} bills in flight at the worker's RSS peak of ${inflight.workerRssPeakMb} MB`,
      );

    const ratio = baseline ? round(mainResult.billsPerSecond / baseline.perSecond, 3) : NaN;
    const monthEndRatio = baseline && monthEnd ? round(monthEnd.billsPerSecond / baseline.perSecond, 3) : NaN;
    // A smaller backlog (--quick) spends more of its time ramping up: it can show a miss, not a pass.
    const fullMonthEnd = monthEnd !== undefined && monthEnd.bills >= 10_000;
    const targets: Target[] = [
      {
        name: 'throughput / naive baseline, equal concurrency',
        target: '≥ 0.5',
        measured: baseline
          ? `${ratio} (${mainResult.billsPerSecond} / ${baseline.perSecond} per s)`
          : 'skipped',
        met: baseline ? ratio >= 0.5 : null,
      },
      {
        name: 'one realm, end to end: share of 500/min',
        target: '≥ 0.95',
        measured: limits
          ? `${limits.shareOfCeiling} (${limits.callsPerMinute}/min over ${limits.saturatedSeconds} s)`
          : 'skipped',
        met: limits ? limits.shareOfCeiling >= 0.95 : null,
      },
      {
        name: 'one realm, governor alone: share of 500/min',
        target: '≥ 0.95',
        measured: governor
          ? `${governor.shareOfCeiling} (${governor.callsPerMinute}/min over ${governor.saturatedSeconds} s)`
          : 'skipped',
        met: governor ? governor.shareOfCeiling >= 0.95 : null,
      },
      {
        name: 'one realm: 429s surfacing as a failed run',
        target: '0',
        measured: limits
          ? `${limits.runsNotComplete} (emulator sent ${limits.emulator429s} × 429)`
          : 'skipped',
        met: limits ? limits.runsNotComplete === 0 : null,
      },
      {
        name: 'QuickBooks calls per bill, steady state',
        target: '1.0',
        measured: String(mainResult.quickBooksCallsPerBill),
        met: mainResult.quickBooksCallsPerBill <= 1.0,
      },
      {
        name: 'month-end into one company: time / QuickBooks-limited minimum (batch path)',
        target: '≤ 1.1 (10,000 bills)',
        measured: monthEnd
          ? `${monthEnd.timeOverMinimum} (${monthEnd.bills} bills in ${monthEnd.seconds} s; minimum ${monthEnd.batchMinimumSeconds} s)`
          : 'skipped',
        met: !monthEnd ? null : monthEnd.timeOverMinimum > 1.1 ? (fullMonthEnd ? false : null) : fullMonthEnd,
      },
      {
        name: 'month-end: batched backlog / naive baseline (stretch)',
        target: '≥ 1.0',
        measured:
          baseline && monthEnd
            ? `${monthEndRatio} (${monthEnd.billsPerSecond} / ${baseline.perSecond} per s)`
            : 'skipped',
        met: baseline && monthEnd ? monthEndRatio >= 1.0 : null,
      },
      {
        name: 'month-end: 429s reaching a run; one document per bill, totals to the cent',
        target: '0; all',
        measured: monthEnd
          ? `${monthEnd.runsNotEndedWell} runs not ended well (emulator sent ${monthEnd.emulator429s} × 429); ${monthEnd.documentsNotOne} bills without exactly one document, ${monthEnd.totalsOff} totals off`
          : 'skipped',
        met: monthEnd
          ? monthEnd.runsNotEndedWell === 0 && monthEnd.documentsNotOne === 0 && monthEnd.totalsOff === 0
          : null,
      },
      {
        name: 'month-end: worker RSS as deployed (192 MB heap, 100 cached)',
        target: `< ${RSS_LIMIT_MB} MB`,
        measured: monthEnd ? `${monthEnd.workerRssPeakMb} MB (${o.runtime})` : 'skipped',
        met: monthEnd ? monthEnd.workerRssPeakMb < RSS_LIMIT_MB : null,
      },
      {
        name: 'worker RSS, 1,000 bills in flight',
        target: `< ${RSS_LIMIT_MB} MB`,
        measured: inflight
          ? `${inflight.workerRssPeakMb} MB working off ${inflight.bills} (${inflight.inFlightAtPeak} in flight at the peak)`
          : 'skipped',
        // A smaller backlog (--quick) can show a miss but not a pass.
        met: !inflight
          ? null
          : inflight.workerRssPeakMb >= RSS_LIMIT_MB
            ? false
            : inflight.bills >= 1000
              ? true
              : null,
      },
    ];
    const result = {
      kind: 'bench',
      at: new Date().toISOString(),
      options: { ...o, skip: [...o.skip] },
      machine: machine(),
      durationSeconds: round((Date.now() - started) / 1000, 1),
      phases: {
        warmup: warm.summary,
        main: mainResult,
        baseline,
        sweep,
        governor,
        limits,
        monthEnd: monthEnd && { ...monthEnd, samples: undefined },
        inflight,
      },
      ratioOursToBaseline: ratio,
      ratioMonthEndToBaseline: monthEndRatio,
      targets,
      samples: {
        main: main.samples,
        limits: limits?.samples,
        monthEnd: monthEnd?.samples,
        inflight: inflight?.samples,
      },
    };
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    const stem = o.out.replace(/\.json$/, '');
    writeFileSync(`${stem}.svg`, chart(main.samples, limits?.samples, inflight?.samples));
    const text = printable({ ...result.phases, monthEnd }, ratio, targets, o, result.machine);
    writeFileSync(`${stem}.txt`, `${text}\n`);
    console.log(
      `\n${text}\n\nJSON: ${path.relative(process.cwd(), o.out)}   table: ${path.relative(process.cwd(), stem)}.txt   chart: ${path.relative(process.cwd(), stem)}.svg   logs: ${path.relative(process.cwd(), workDir)}`,
    );
    return 0;
  } finally {
    await stack?.stop();
    stack = undefined;
    await stopSharedEnvironment();
  }
}

interface SweepPoint {
  concurrency: number;
  billsPerSecond: number;
  baselinePerSecond: number;
  ratio: number;
  billToDocumentP50Ms: number;
  cpuMsPerBill: number;
}

function sweepPoint(concurrency: number, ours: PhaseSummary, baseline: BaselineResult): SweepPoint {
  return {
    concurrency,
    billsPerSecond: ours.billsPerSecond,
    baselinePerSecond: baseline.perSecond,
    ratio: round(ours.billsPerSecond / baseline.perSecond, 3),
    billToDocumentP50Ms: ours.billToDocumentMs.p50,
    cpuMsPerBill: round(Object.values(ours.cpuSecondsPerBill).reduce((a, b) => a + b, 0) * 1000, 0),
  };
}

function peakRssMb(samples: Sample[]): number {
  return mb(Math.max(0, ...samples.flatMap((x) => x.rss).filter(Number.isFinite)));
}

interface PhaseSummary {
  bills: number;
  complete: number;
  notComplete: Record<string, number>;
  rejectedWebhooks: number;
  seconds: number;
  billsPerSecond: number;
  webhookAckMs: { p50: number; p99: number; max: number };
  billToDocumentMs: { p50: number; p99: number; max: number };
  quickBooksCalls: number;
  quickBooksCallsPerBill: number;
  quickBooksCallsByOperation: Record<string, number>;
  /** Statements the service's processes sent to PostgreSQL per bill (null: the server does not count them). */
  postgresStatementsPerBill: number | null;
  /** The statements behind that figure, per bill, most frequent first. */
  postgresStatementsByQuery: Array<{ perBill: number; query: string }>;
  /** m3ter API requests (token requests included) per bill. */
  m3terCallsPerBill: number;
  tokenRefreshes: number;
  peakInFlight: number;
  /** CPU seconds per bill by component (worker, api, temporal, postgres, bench = this process with the emulator). */
  cpuSecondsPerBill: Record<string, number>;
  timedOut: boolean;
}

/** Requests to m3ter's API, the token endpoint included (the emulator counts both in `total`). */
function m3terApiCalls(counters: { total: number }): number {
  return counters.total;
}

function classifier(stack: Stack) {
  return (pid: number, command: string): string | undefined =>
    pid === stack.api.pid ? 'api' : stack.workers.some((w) => w.pid === pid) ? 'worker' : command;
}

/** Sends the bills, waits until every run has finished, and summarizes. */
async function runPhase(
  stack: Stack,
  prefix: string,
  bills: PlannedBill[],
  o: Options,
  workers: () => ServiceProcess[],
  extra?: () => Record<string, number>,
): Promise<{ summary: PhaseSummary; samples: Sample[] }> {
  stack.emulator.control.resetCounters();
  stack.m3ter.control.resetCounters();
  const statementsBefore = await stack.statements.count();
  const byStatementBefore = await stack.statements.byStatement();
  const tokensBefore = stack.tokenProxy.stats().calls;
  const cpuBefore = cpuByComponent(classifier(stack));
  const progress: PhaseProgress = { samples: [], acked: 0 };
  const startedAt = Date.now();
  const sending = sendAll(stack, bills, o.senders, () => (progress.acked += 1));
  const watched = await watchPhase({
    db: stack.database.db,
    prefix,
    total: bills.length,
    progress,
    workers,
    startedAt,
    timeoutMs: o.timeoutS * 1000,
    extra,
    sent: sending,
  });
  const sent = await sending;
  const cpu = cpuDelta(cpuByComponent(classifier(stack)), cpuBefore);
  const statementsAfter = await stack.statements.count();
  const byStatement = await stack.statements.byStatement();
  const m3terCounters = stack.m3ter.control.counters();
  const counters = stack.emulator.control.counters();
  const results = await outcomes(stack.database.db, prefix);
  const sentAt = new Map(sent.results.map((r) => [r.billId, r.sentAt]));
  // A redelivered webhook's later pass that found the COMPLETE document unchanged still ended well.
  const complete = results.filter(endedWell);
  const notComplete: Record<string, number> = {};
  for (const r of results) if (!endedWell(r)) notComplete[r.status] = (notComplete[r.status] ?? 0) + 1;
  const missing = bills.length - results.length;
  if (missing > 0) notComplete['NO RUN'] = missing;
  const lastDone = Math.max(startedAt, ...complete.map((r) => r.completedAt ?? 0));
  const seconds = (lastDone - startedAt) / 1000;
  const acks = sent.results.map((r) => r.ms);
  const toDoc = complete.flatMap((r) =>
    r.documentAt && sentAt.has(r.billId) ? [r.documentAt - sentAt.get(r.billId)!] : [],
  );
  const calls = counters.api;
  const cpuSecondsPerBill: Record<string, number> = {};
  for (const [k, v] of Object.entries(cpu)) if (v > 0) cpuSecondsPerBill[k] = round(v / bills.length, 4);
  return {
    samples: progress.samples,
    summary: {
      bills: bills.length,
      complete: complete.length,
      notComplete,
      rejectedWebhooks: sent.rejected.length,
      seconds: round(seconds, 1),
      billsPerSecond: round(complete.length / Math.max(seconds, 0.001), 2),
      webhookAckMs: {
        p50: round(percentile(acks, 50), 1),
        p99: round(percentile(acks, 99), 1),
        max: round(Math.max(...acks), 1),
      },
      billToDocumentMs: {
        p50: round(percentile(toDoc, 50), 0),
        p99: round(percentile(toDoc, 99), 0),
        max: round(Math.max(...toDoc), 0),
      },
      quickBooksCalls: calls,
      quickBooksCallsPerBill: round(calls / bills.length, 3),
      quickBooksCallsByOperation: counters.byOperation,
      postgresStatementsPerBill:
        statementsBefore === undefined || statementsAfter === undefined
          ? null
          : round((statementsAfter - statementsBefore) / bills.length, 2),
      postgresStatementsByQuery: [...byStatement]
        .map(([query, calls]) => ({
          query,
          perBill: round((calls - (byStatementBefore.get(query) ?? 0)) / bills.length, 2),
        }))
        .filter((s) => s.perBill > 0)
        .sort((a, b) => b.perBill - a.perBill),
      m3terCallsPerBill: round(m3terApiCalls(m3terCounters) / bills.length, 3),
      tokenRefreshes: stack.tokenProxy.stats().calls - tokensBefore,
      peakInFlight: Math.max(0, ...progress.samples.map((x) => x.inFlight).filter(Number.isFinite)),
      cpuSecondsPerBill,
      timedOut: watched.timedOut,
    },
  };
}

interface BaselineResult {
  calls: number;
  lanes: number;
  seconds: number;
  perSecond: number;
  errors: number;
  firstError?: string;
  callMs: { p50: number; p99: number };
}

interface NodeQuickBooks {
  endpoint: string;
  createInvoice(entity: object, cb: (err: unknown, data: unknown) => void): void;
}

/** An invoice the product built for the realm (from a COMPLETE run), to send again. */
async function invoiceBody(stack: Stack, realm: RealmIntegration): Promise<QboDocument> {
  const { rows } = await stack.database.db.query<{ id: string }>(
    `SELECT id FROM integration_runs WHERE integration_id = $1 AND status = 'COMPLETE' ORDER BY started_at DESC LIMIT 1`,
    [realm.integrationId],
  );
  const document = rows[0] ? await getRunDocument(stack.database.db, rows[0].id) : null;
  if (!document) throw new Error(`no invoice body for realm ${realm.realmId}`);
  return document;
}

/**
 * The naive baseline: `calls` createInvoice calls through node-quickbooks, `lanes` sequential loops at once,
 * spread over the same realms and with the invoice bodies the product built — no Temporal, no database,
 * no rate governor, no idempotency.
 */
async function runBaseline(
  stack: Stack,
  realms: RealmIntegration[],
  calls: number,
  lanes: number,
): Promise<BaselineResult> {
  const clients = await Promise.all(
    realms.map(async (realm) => {
      const { payload } = await invoiceBody(stack, realm);
      const token = stack.emulator.control.mintTokens(realm.realmId).access_token;
      const qbo = new QuickBooks(
        '',
        '',
        token,
        false,
        realm.realmId,
        false,
        false,
        '75',
        '2.0',
      ) as unknown as NodeQuickBooks;
      qbo.endpoint = stack.emulator.v3BaseUrl;
      return { qbo, payload };
    }),
  );
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const times: number[] = [];
  const startedAt = performance.now();
  const deadline = Date.now() + 600_000;
  const lane = async () => {
    while (next < calls && Date.now() < deadline) {
      const { qbo, payload } = clients[next++ % clients.length]!;
      const t = performance.now();
      await new Promise<void>((resolve) => {
        qbo.createInvoice({ ...payload }, (err) => {
          if (err) {
            errors += 1;
            firstError ??= JSON.stringify(err).slice(0, 300);
          }
          resolve();
        });
      });
      times.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    calls: times.length,
    lanes,
    seconds: round(seconds, 2),
    perSecond: round((times.length - errors) / seconds, 2),
    errors,
    firstError,
    callMs: { p50: round(percentile(times, 50), 1), p99: round(percentile(times, 99), 1) },
  };
}

interface RateMeasure {
  callsPerMinute: number;
  shareOfCeiling: number;
  /** Seconds between 5 % and 95 % of the admitted calls, over which the rate is taken. */
  saturatedSeconds: number;
  /** Most admitted calls in any 60 s of the samples (null for a run shorter than a minute). */
  maxCallsInAnyMinute: number | null;
}

/** The admitted-call rate from cumulative samples, between 5 % and 95 % of the calls (no ramp, no tail). */
function rateOf(points: Array<{ t: number; n: number }>): RateMeasure {
  const final = points.at(-1)?.n ?? 0;
  const at = (share: number) => points.find((p) => p.n >= share * final) ?? points.at(-1) ?? { t: 0, n: 0 };
  const from = at(0.05);
  const to = at(0.95);
  const seconds = to.t - from.t;
  const perMinute = seconds > 0 ? ((to.n - from.n) / seconds) * 60 : NaN;
  let maxCallsInAnyMinute: number | null = null;
  for (const p of points) {
    const later = points.find((x) => x.t >= p.t + 60);
    if (later) maxCallsInAnyMinute = Math.max(maxCallsInAnyMinute ?? 0, later.n - p.n);
  }
  return {
    callsPerMinute: round(perMinute, 1),
    shareOfCeiling: round(perMinute / QBO_RATE_PER_MINUTE, 3),
    saturatedSeconds: round(seconds, 1),
    maxCallsInAnyMinute,
  };
}

interface GovernorResult extends RateMeasure {
  seconds: number;
  lanes: number;
  created: number;
  throttled: number;
  realmBusy: number;
  otherErrors: number;
  firstError?: string;
}

/**
 * The rate governor on its own: `lanes` callers split over two PgRateGovernor instances with their own
 * PostgreSQL pools (two worker processes' worth) create invoices on one realm whose limits the emulator
 * enforces, for a fixed time. A caller told the realm is busy waits as the activity retry would.
 */
async function runGovernor(stack: Stack, o: Options): Promise<GovernorResult> {
  const realmId = stack.emulator.control.createRealm().realmId;
  const accessToken = stack.emulator.control.mintTokens(realmId).access_token;
  const pools = [createPool(stack.database.url, 20), createPool(stack.database.url, 20)];
  try {
    const governors = pools.map((db) => new PgRateGovernor(db));
    const plain = new QuickBooksClient({ realmId, accessToken, apiBaseUrl: stack.emulator.v3BaseUrl });
    const customer = await plain.createCustomer(
      { DisplayName: 'Governor bench' },
      { requestId: `gov-${realmId}` },
    );
    const built = await invoiceBodyAny(stack);
    const body: QboDocument =
      built.type === 'Invoice'
        ? { type: 'Invoice', payload: { ...built.payload, CustomerRef: { value: customer.Id } } }
        : { type: 'CreditMemo', payload: { ...built.payload, CustomerRef: { value: customer.Id } } };
    stack.emulator.control.setLimits({ enabled: true }, realmId);
    stack.emulator.control.resetCounters();
    let created = 0;
    let _throttled = 0;
    let realmBusy = 0;
    let otherErrors = 0;
    let firstError: string | undefined;
    const samples: Array<{ t: number; n: number }> = [];
    const startedAt = Date.now();
    const deadline = startedAt + o.governorSeconds * 1000;
    let running = true;
    const sampler = (async () => {
      while (running) {
        const c = stack.emulator.control.counters();
        samples.push({ t: (Date.now() - startedAt) / 1000, n: (c.byRealm[realmId] ?? 0) - c.throttled });
        await sleep(250);
      }
    })();
    const lane = async (i: number) => {
      const client = new QuickBooksClient({
        realmId,
        accessToken,
        apiBaseUrl: stack.emulator.v3BaseUrl,
        governor: governors[i % governors.length],
      });
      while (Date.now() < deadline) {
        try {
          await client.createDocument(body, { requestId: `gov-${i}-${created}-${Math.random()}` });
          created += 1;
        } catch (err) {
          if (err instanceof RealmBusyError) {
            realmBusy += 1;
            await sleep(Math.min(err.retryAfterMs, Math.max(0, deadline - Date.now())));
          } else if (err instanceof QuickBooksError && err.httpStatus === 429) {
            _throttled += 1;
          } else {
            otherErrors += 1;
            firstError ??= (err as Error).message;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: o.governorLanes }, (_, i) => lane(i)));
    running = false;
    await sampler;
    const c = stack.emulator.control.counters();
    samples.push({ t: (Date.now() - startedAt) / 1000, n: (c.byRealm[realmId] ?? 0) - c.throttled });
    return {
      ...rateOf(samples),
      seconds: round((Date.now() - startedAt) / 1000, 1),
      lanes: o.governorLanes,
      created,
      throttled: c.throttled,
      realmBusy,
      otherErrors,
      firstError,
    };
  } finally {
    for (const p of pools) await p.end();
  }
}

async function invoiceBodyAny(stack: Stack): Promise<QboDocument> {
  const { rows } = await stack.database.db.query<{ id: string }>(
    `SELECT id FROM integration_runs WHERE status = 'COMPLETE' LIMIT 1`,
  );
  const document = rows[0] ? await getRunDocument(stack.database.db, rows[0].id) : null;
  if (!document) throw new Error('no invoice body built yet');
  return document;
}

interface LimitsResult extends PhaseSummary, RateMeasure {
  workerConcurrency: number;
  emulator429s: number;
  runsNotComplete: number;
  /** Activity attempts that gave up waiting for the governor (RATE_LIMIT_RETRY, retried by Temporal). */
  governorWaitsGivenUp: number;
  /** Share of the samples in which the realm's token bucket was empty (the governor was the limit). */
  bucketEmptyShare: number;
  workerRssPeakMb: number;
  samples: Sample[];
}

/**
 * One realm with QuickBooks' limits enforced by the emulator, a fresh worker at the product's default
 * activity concurrency, and more bills than a minute's budget.
 */
async function runLimits(stack: Stack, o: Options): Promise<LimitsResult> {
  // One request per bill: what the governor admits of 500/min (the month-end phase batches).
  const worker = await stack.addWorker({
    WORKER_MAX_CONCURRENT_ACTIVITIES: String(o.limitsConcurrency),
    QBO_BATCH_WRITES: 'false',
  });
  try {
    const realm = await stack.connectRealm(accountsFor('limits', 0, o.accounts));
    stack.emulator.control.setLimits({ enabled: true }, realm.realmId);
    let bucket = { empty: 0, seen: 0 };
    const extra = () => {
      const c = stack.emulator.control.counters();
      return { calls: c.byRealm[realm.realmId] ?? 0, throttled: c.throttled };
    };
    // The governor's bucket, read alongside (tokens < 1 once refilled = a caller would have to wait).
    let watching = true;
    const bucketWatch = (async () => {
      while (watching) {
        const { rows } = await stack.database.db
          .query<{ available: number }>(
            `SELECT LEAST(10, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - refilled_at)) * (490.0 / 60)) AS available FROM qbo_rate_buckets WHERE realm_id = $1`,
            [realm.realmId],
          )
          .catch(() => ({ rows: [] as Array<{ available: number }> }));
        if (rows[0])
          bucket = { empty: bucket.empty + (rows[0].available < 1 ? 1 : 0), seen: bucket.seen + 1 };
        await sleep(200);
      }
    })();
    const { summary, samples } = await runPhase(
      stack,
      'bl',
      planBills('bl', [realm], o.limitsBills),
      o,
      () => [worker],
      extra,
    );
    watching = false;
    await bucketWatch;
    const counters = stack.emulator.control.counters();
    const workerLog = readFileSync(worker.logPath, 'utf8');
    return {
      ...summary,
      ...rateOf(samples.map((x) => ({ t: x.t, n: (x.extra.calls ?? 0) - (x.extra.throttled ?? 0) }))),
      workerConcurrency: o.limitsConcurrency,
      emulator429s: counters.throttled,
      runsNotComplete: summary.bills - summary.complete,
      governorWaitsGivenUp: (workerLog.match(/"code":"QBO_RATE_LIMITED"/g) ?? []).length,
      bucketEmptyShare: bucket.seen ? round(bucket.empty / bucket.seen, 3) : NaN,
      workerRssPeakMb: peakRssMb(samples),
      samples,
    };
  } finally {
    await worker.stop();
  }
}

const BATCHES_PER_MINUTE = 40;
const BATCH_ITEMS = 30;

interface MonthEndResult extends PhaseSummary {
  workerEnv: Record<string, string>;
  /** The QuickBooks-limited minimum of the batch path: bills / (40 × 30 + what 500/min leaves) per minute. */
  batchMinimumSeconds: number;
  /** One request per bill at 500/min. */
  singleMinimumSeconds: number;
  timeOverMinimum: number;
  batches: number;
  batchItems: number;
  largestBatch: number;
  singleWrites: number;
  emulator429s: number;
  /** Bills whose sync did not end well (a 429 reaching a run would be one). */
  runsNotEndedWell: number;
  /** Bills whose last pass found the COMPLETE document unchanged (a redelivered webhook). */
  laterPassesUnchanged: number;
  documentsNotOne: number;
  totalsOff: number;
  strays: number;
  workflow: HistoryCounts;
  /** The worker's workflow cache over the phase (a miss replays the workflow's history). */
  workflowCache: WorkflowCacheCounters;
  workerRssIdleMb: number;
  workerRssPeakMb: number;
  samples: Sample[];
}

/** The worker's V8 limits as docker-compose.yml sets them, with the old-space heap in MB. */
function workerNodeOptions(heapMb: number): string {
  return `--max-old-space-size=${heapMb} --max-semi-space-size=8`;
}

/**
 * Month-end: a backlog of `monthEndBills` into one company whose customers are known, with QuickBooks' limits
 * enforced (500 requests a minute, 10 at once, 40 batch requests a minute), batched writes on and a fresh
 * worker with the deployed settings (docker-compose.yml: 50 activity slots, 192 MB heap, 8 MB semi-spaces, 100
 * cached workflows).
 */
async function runMonthEnd(stack: Stack, o: Options): Promise<MonthEndResult> {
  const workerEnv = {
    WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
    WORKER_MAX_CACHED_WORKFLOWS: String(o.workerCache ?? 100),
    NODE_OPTIONS: workerNodeOptions(o.workerHeapMb ?? 192),
    QBO_BATCH_WRITES: 'true',
  };
  const metricsPort = await freePort();
  const worker = await stack.addWorker({ ...workerEnv, METRICS_PORT: String(metricsPort) });
  const cache = () => workflowCacheCounters(metricsPort);
  try {
    const idle = worker.memory();
    const realm = await stack.connectRealm(accountsFor('month-end', 0, o.monthEndAccounts));
    stack.emulator.control.setLimits(
      {
        enabled: true,
        requestsPerMinute: QBO_RATE_PER_MINUTE,
        maxConcurrent: 10,
        batchesPerMinute: BATCHES_PER_MINUTE,
      },
      realm.realmId,
    );
    // Last month's bills made the customers: this month's find them mapped.
    const warmUp = firstBillPerAccount('bw-month-end', [realm]);
    await runPhase(stack, 'bw-month-end', warmUp, o, () => [worker]);
    const bills = planBills('bme', [realm], o.monthEndBills);
    const cacheBefore = await cache();
    const { summary, samples } = await runPhase(stack, 'bme', bills, o, () => [worker]);
    const cacheAfter = await cache();
    const counters = stack.emulator.control.counters();
    const results = await outcomes(stack.database.db, 'bme');
    const { byBill, strays } = documentsByBill(
      stack,
      [realm.realmId],
      new Set([...warmUp, ...bills].map((b) => b.bill.id)),
    );
    let documentsNotOne = 0;
    let totalsOff = 0;
    for (const b of [...warmUp, ...bills]) {
      const docs = byBill.get(b.bill.id) ?? [];
      if (docs.length !== 1) documentsNotOne += 1;
      else if (Math.round(docs[0]!.TotalAmt * 100) !== b.expectedTotalCents) totalsOff += 1;
    }
    const batchMinimumSeconds =
      (bills.length / (BATCHES_PER_MINUTE * BATCH_ITEMS + (QBO_RATE_PER_MINUTE - BATCHES_PER_MINUTE))) * 60;
    const singleWrites =
      (counters.byOperation['POST invoice create'] ?? 0) + (counters.byOperation['POST invoice update'] ?? 0);
    return {
      ...summary,
      workerEnv,
      batchMinimumSeconds: round(batchMinimumSeconds, 1),
      singleMinimumSeconds: round((bills.length / QBO_RATE_PER_MINUTE) * 60, 1),
      timeOverMinimum: round(summary.seconds / batchMinimumSeconds, 3),
      batches: counters.batches,
      batchItems: counters.batchItems,
      largestBatch: counters.largestBatch,
      singleWrites,
      emulator429s: counters.throttled,
      runsNotEndedWell: bills.length - results.filter(endedWell).length,
      laterPassesUnchanged: results.filter((r) => r.status !== 'COMPLETE' && endedWell(r)).length,
      documentsNotOne,
      totalsOff,
      strays,
      workflow: await historyCounts(
        bills.map((b) => billSyncWorkflowId(realm.integrationId, b.bill.id)),
        200,
      ),
      workflowCache: {
        hits: cacheAfter.hits - cacheBefore.hits,
        misses: cacheAfter.misses - cacheBefore.misses,
        forcedEvictions: cacheAfter.forcedEvictions - cacheBefore.forcedEvictions,
      },
      workerRssIdleMb: mb(idle?.rssBytes),
      workerRssPeakMb: peakRssMb(samples),
      samples,
    };
  } finally {
    await worker.stop();
  }
}

interface WorkflowCacheCounters {
  hits: number;
  misses: number;
  forcedEvictions: number;
}

/** The Temporal SDK's sticky-cache counters from a worker's /metrics. */
async function workflowCacheCounters(port: number): Promise<WorkflowCacheCounters> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`temporal_${name}`))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  return {
    hits: sum('sticky_cache_hit'),
    misses: sum('sticky_cache_miss'),
    forcedEvictions: sum('sticky_cache_total_forced_eviction'),
  };
}

interface HistoryCounts {
  /** Histories read (an even sample of the phase's workflows). */
  sampled: number;
  workflowTasksPerBill: number;
  eventsPerBill: number;
  /** Activities scheduled on the server (QuickBooks steps) and local activities (database steps) per bill. */
  activitiesPerBill: number;
  localActivitiesPerBill: number;
  timersPerBill: number;
}

/** What Temporal did per bill, from the histories of an even sample of the bills' workflows. */
async function historyCounts(workflowIds: string[], sample: number): Promise<HistoryCounts> {
  const step = Math.max(1, Math.floor(workflowIds.length / sample));
  const ids = workflowIds.filter((_, i) => i % step === 0).slice(0, sample);
  const temporal = await connectTemporalClient();
  const n = { tasks: 0, events: 0, activities: 0, local: 0, timers: 0 };
  try {
    for (const id of ids) {
      const events = (await temporal.client.workflow.getHandle(id).fetchHistory()).events ?? [];
      n.events += events.length;
      for (const e of events) {
        if (e.workflowTaskCompletedEventAttributes) n.tasks += 1;
        if (e.activityTaskScheduledEventAttributes) n.activities += 1;
        if (e.timerStartedEventAttributes) n.timers += 1;
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') n.local += 1;
      }
    }
  } finally {
    await temporal.close();
  }
  const per = (v: number) => (ids.length ? round(v / ids.length, 2) : NaN);
  return {
    sampled: ids.length,
    workflowTasksPerBill: per(n.tasks),
    eventsPerBill: per(n.events),
    activitiesPerBill: per(n.activities),
    localActivitiesPerBill: per(n.local),
    timersPerBill: per(n.timers),
  };
}

interface InFlightResult {
  bills: number;
  ackSeconds: number;
  watchedSeconds: number;
  finishedWhileWatched: number;
  workerRssIdleMb: number;
  workerRssPeakMb: number;
  workerVmHwmMb: number;
  inFlightAtPeak: number;
  samples: Sample[];
}

/**
 * A backlog: `inflight` bills acknowledged while no worker runs, then a fresh worker (the main phase's
 * settings) starts on all of them at once. Its memory is read while they are in flight, for a bounded time;
 * bills still running at the end are left to the stack's shutdown.
 */
async function runInFlight(stack: Stack, realms: RealmIntegration[], o: Options): Promise<InFlightResult> {
  if (stack.workers.some((w) => w.running))
    throw new Error('the in-flight phase starts with no worker running');
  const bills = planBills('bf', realms, o.inflight, 500_000);
  const ackStarted = Date.now();
  const sent = await sendAll(stack, bills, o.senders);
  if (sent.rejected.length)
    throw new Error(`in flight: ${sent.rejected.length} webhooks rejected, e.g. ${sent.rejected[0]}`);
  const ackSeconds = (Date.now() - ackStarted) / 1000;
  const worker = await stack.addWorker();
  const idle = worker.memory();
  const progress: PhaseProgress = { samples: [], acked: bills.length };
  const startedAt = Date.now();
  await watchPhase({
    db: stack.database.db,
    prefix: 'bf',
    total: bills.length,
    progress,
    workers: () => [worker],
    startedAt,
    timeoutMs: o.inflightSeconds * 1000,
    sent: Promise.resolve(),
  });
  const hwm = worker.memory()?.peakRssBytes;
  await worker.stop();
  const peak = progress.samples.reduce<Sample | undefined>(
    (best, x) => (x.rss[0]! > (best?.rss[0] ?? -1) ? x : best),
    undefined,
  );
  return {
    bills: bills.length,
    ackSeconds: round(ackSeconds, 1),
    watchedSeconds: round((Date.now() - startedAt) / 1000, 1),
    finishedWhileWatched: progress.samples.at(-1)?.finished ?? 0,
    workerRssIdleMb: mb(idle?.rssBytes),
    workerRssPeakMb: mb(peak?.rss[0]),
    workerVmHwmMb: mb(hwm),
    inFlightAtPeak: peak?.inFlight ?? 0,
    samples: progress.samples,
  };
}

function printable(
  phases: {
    warmup: PhaseSummary;
    main: PhaseSummary & { workerRssIdleMb: number; workerRssPeakMb: number };
    baseline?: BaselineResult;
    sweep: SweepPoint[];
    governor?: GovernorResult;
    limits?: LimitsResult;
    monthEnd?: MonthEndResult;
    inflight?: InFlightResult;
  },
  ratio: number,
  targets: Target[],
  o: Options,
  host: Record<string, unknown>,
): string {
  const { warmup, main, baseline, sweep, governor, limits, monthEnd, inflight } = phases;
  const cpu = (c: Record<string, number>) =>
    Object.entries(c)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${round(v * 1000, 0)}`)
      .join(', ');
  const rows: Array<Array<string | number>> = [
    ['measure', 'value'],
    ['machine', `${host.cpus} CPUs, load ${host.loadAverage1m} (1 min) at the end, node ${host.node}`],
    ['main: bills / realms / accounts per realm', `${main.bills} / ${o.realms} / ${o.accounts}`],
    ['concurrency: worker activity slots = baseline lanes', o.concurrency],
    ['emulated QuickBooks latency per request', `${o.latencyMs} ms`],
    [
      'end-to-end throughput',
      `${main.billsPerSecond} bills/s (${main.complete} COMPLETE in ${main.seconds} s)`,
    ],
    ['runs not COMPLETE', JSON.stringify(main.notComplete)],
    ['webhook acknowledgement p50 / p99', `${main.webhookAckMs.p50} / ${main.webhookAckMs.p99} ms`],
    ['bill-to-document p50 / p99', `${main.billToDocumentMs.p50} / ${main.billToDocumentMs.p99} ms`],
    ['QuickBooks calls per bill, steady state', main.quickBooksCallsPerBill],
    ['QuickBooks calls per first bill of an account', warmup.quickBooksCallsPerBill],
    [
      'PostgreSQL statements per bill, steady state (by the service)',
      main.postgresStatementsPerBill ?? 'not counted (the server does not load pg_stat_statements)',
    ],
    ['m3ter API calls per bill, steady state', main.m3terCallsPerBill],
    ['CPU ms per bill by process', cpu(main.cpuSecondsPerBill)],
    [
      'worker RSS idle / peak (main phase)',
      `${main.workerRssIdleMb} / ${main.workerRssPeakMb} MB (${main.peakInFlight} in flight at most)`,
    ],
  ];
  if (baseline) {
    rows.push([
      'baseline: node-quickbooks createInvoice',
      `${baseline.perSecond} invoices/s, ${baseline.lanes} lanes (${baseline.errors} errors)`,
    ]);
    rows.push(['ratio ours / baseline', ratio]);
  }
  if (governor) {
    rows.push([
      `governor alone, one realm, limits on (${governor.lanes} callers)`,
      `${governor.callsPerMinute}/min = ${governor.shareOfCeiling} of 500/min over ${governor.saturatedSeconds} s`,
    ]);
    rows.push([
      '  most calls in any 60 s / 429s / busy waits given up',
      `${governor.maxCallsInAnyMinute ?? '–'} / ${governor.throttled} / ${governor.realmBusy}`,
    ]);
  }
  if (limits) {
    rows.push([
      `one realm end to end, limits on: bills / worker slots`,
      `${limits.bills} / ${limits.workerConcurrency}`,
    ]);
    rows.push([
      '  achieved rate',
      `${limits.callsPerMinute}/min = ${limits.shareOfCeiling} of 500/min over ${limits.saturatedSeconds} s`,
    ]);
    rows.push(['  share of time the governor bucket was empty', limits.bucketEmptyShare]);
    rows.push(['  most calls in any 60 s', limits.maxCallsInAnyMinute ?? '–']);
    rows.push([
      '  429s sent by the emulator / runs not COMPLETE',
      `${limits.emulator429s} / ${limits.runsNotComplete}`,
    ]);
    rows.push(['  governor waits given up (activity retried)', limits.governorWaitsGivenUp]);
    rows.push([
      '  bills/s; bill-to-document p50 / p99',
      `${limits.billsPerSecond}; ${limits.billToDocumentMs.p50} / ${limits.billToDocumentMs.p99} ms`,
    ]);
    rows.push(['  CPU ms per bill by process', cpu(limits.cpuSecondsPerBill)]);
  }
  if (monthEnd) {
    const w = monthEnd.workflow;
    rows.push([
      'month-end into one company, every limit on: bills',
      `${monthEnd.bills} over ${o.monthEndAccounts} accounts; worker ${Object.entries(monthEnd.workerEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    ]);
    rows.push([
      '  time; QuickBooks-limited minimum, batch path / one request per bill',
      `${monthEnd.seconds} s (${monthEnd.billsPerSecond} bills/s); ${monthEnd.batchMinimumSeconds} s (${monthEnd.timeOverMinimum}×) / ${monthEnd.singleMinimumSeconds} s`,
    ]);
    rows.push([
      '  QuickBooks requests: batches (writes, largest) / single writes / other',
      `${monthEnd.batches} (${monthEnd.batchItems}, ${monthEnd.largestBatch}) / ${monthEnd.singleWrites} / ${monthEnd.quickBooksCalls - monthEnd.batches - monthEnd.singleWrites}`,
    ]);
    rows.push([
      '  429s sent / runs not ended well / later passes that found it unchanged',
      `${monthEnd.emulator429s} / ${monthEnd.runsNotEndedWell} / ${monthEnd.laterPassesUnchanged}`,
    ]);
    rows.push([
      '  bills without exactly one document / totals off / strays',
      `${monthEnd.documentsNotOne} / ${monthEnd.totalsOff} / ${monthEnd.strays}`,
    ]);
    rows.push([
      '  per bill: PostgreSQL statements; Temporal workflow tasks, events',
      `${monthEnd.postgresStatementsPerBill ?? '–'}; ${w.workflowTasksPerBill}, ${w.eventsPerBill} (${w.activitiesPerBill} activities, ${w.localActivitiesPerBill} local, ${w.timersPerBill} timers; ${w.sampled} histories)`,
    ]);
    rows.push([
      '  workflow cache hits / misses (history replayed) / forced evictions',
      `${monthEnd.workflowCache.hits} / ${monthEnd.workflowCache.misses} / ${monthEnd.workflowCache.forcedEvictions}`,
    ]);
    rows.push(['  CPU ms per bill by process', cpu(monthEnd.cpuSecondsPerBill)]);
    rows.push([
      '  worker RSS idle / peak',
      `${monthEnd.workerRssIdleMb} / ${monthEnd.workerRssPeakMb} MB (${o.runtime})`,
    ]);
    if (baseline)
      rows.push(['  ratio month-end / baseline', round(monthEnd.billsPerSecond / baseline.perSecond, 3)]);
  }
  if (inflight) {
    rows.push([
      `in flight: ${inflight.bills} bills acknowledged, then a fresh worker`,
      `acknowledged in ${inflight.ackSeconds} s; watched ${inflight.watchedSeconds} s, ${inflight.finishedWhileWatched} finished`,
    ]);
    rows.push([
      '  worker RSS idle / peak / VmHWM',
      `${inflight.workerRssIdleMb} / ${inflight.workerRssPeakMb} / ${inflight.workerVmHwmMb} MB`,
    ]);
    rows.push(['  bills in flight at the RSS peak', inflight.inFlightAtPeak]);
  }
  const sweepTable =
    sweep.length > 1
      ? `\n\n${table([
          [
            'concurrency',
            'ours bills/s',
            'baseline /s',
            'ratio',
            'bill-to-document p50 ms',
            'CPU ms per bill',
          ],
          ...sweep.map((p) => [
            p.concurrency,
            p.billsPerSecond,
            p.baselinePerSecond,
            p.ratio,
            p.billToDocumentP50Ms,
            p.cpuMsPerBill,
          ]),
        ])}`
      : '';
  return `${table(rows)}${sweepTable}\n\n${targetTable(targets)}`;
}

function chart(main: Sample[], limits: Sample[] | undefined, inflight: Sample[] | undefined): string {
  const pts = (samples: Sample[], f: (x: Sample) => number) =>
    samples.map((x) => [x.t, f(x)] as [number, number]);
  const panels = [
    {
      yLabel: 'main: bills',
      series: [
        { label: 'acknowledged', colour: '#1f77b4', points: pts(main, (x) => x.acked) },
        { label: 'finished', colour: '#2ca02c', points: pts(main, (x) => x.finished) },
        { label: 'in flight', colour: '#d62728', points: pts(main, (x) => x.inFlight) },
      ],
    },
  ];
  if (limits?.length) {
    panels.push({
      yLabel: 'one realm: QuickBooks calls',
      series: [
        {
          label: 'calls admitted',
          colour: '#1f77b4',
          points: pts(limits, (x) => (x.extra.calls ?? 0) - (x.extra.throttled ?? 0)),
        },
        {
          label: '500/min from the start',
          colour: '#aaaaaa',
          points: pts(limits, (x) => (x.t * QBO_RATE_PER_MINUTE) / 60),
        },
      ],
    });
  }
  if (inflight?.length) {
    panels.push({
      yLabel: 'backlog: worker RSS (MB) / bills',
      series: [
        { label: 'worker RSS (MB)', colour: '#9467bd', points: pts(inflight, (x) => mb(x.rss[0])) },
        { label: 'bills in flight', colour: '#d62728', points: pts(inflight, (x) => x.inFlight) },
      ],
    });
  }
  return svgChart('npm run bench', panels);
}

runCli(main, async () => {
  await stack?.stop();
  stack = undefined;
});
