import type { FaultSettings } from '../../emulators/quickbooks';
import { documentMarker } from '../../src/domain/ids';
import { restartSharedServer, type InfrastructureServer } from '../../test/support/environment';
import { round } from './report';
import { watchPhase, type PhaseProgress, type Sample } from './sampler';
import { startStack, type RealmIntegration } from './stack';
import { accountsFor, documentsByBill, endedWell, outcomes, planBills, sendAll, sleep } from './workload';

/**
 * The chaos run: bills through signed webhooks to several worker processes while the emulator injects
 * faults, access tokens expire every minute and workers are SIGKILLed and started again. Then every bill is
 * checked: exactly one document, its total to the cent, every bill COMPLETE (a later pass may find its document unchanged), and no refresh token refused.
 * Used by `npm run chaos` (bench/chaos.ts) and, smaller, by test/chaos/chaos.test.ts. The caller starts the
 * shared PostgreSQL + Temporal environment.
 */
export interface ChaosOptions {
  workDir: string;
  bills: number;
  realms: number;
  accountsPerRealm: number;
  workers: number;
  /** Kills: which worker (0-based), once this share of the bills has finished. */
  kills: Array<{ worker: number; atShare: number }>;
  faults: FaultSettings;
  accessTokenTtlSeconds: number;
  /** QBO_TOKEN_REFRESH_SKEW_SECONDS of the workers (below the token lifetime). */
  refreshSkewSeconds: number;
  /** WORKER_MAX_CONCURRENT_ACTIVITIES of each worker (default: the product's). */
  workerConcurrency?: number;
  senders: number;
  /** Bound on the whole run once the bills are sent. */
  timeoutSeconds: number;
  /** Seed of the emulator's fault generator. */
  seed: number;
  /**
   * Our own infrastructure failing: each server stopped once this share of the bills is acknowledged, down for
   * `downSeconds`, then started again with its data (needs startSharedEnvironment({ restartable: true })).
   */
  outages?: Array<{ server: InfrastructureServer; atShare: number }>;
  /** Webhooks per second (so deliveries meet the outages); omitted: as fast as the API answers. */
  sendPerSecond?: number;
  downSeconds?: number;
  log?: (message: string) => void;
}

/** Kills spread over the run: each worker `perWorker` times, staggered, between ~10 % and ~75 % of the bills. */
export function spreadKills(workers: number, perWorker: number): ChaosOptions['kills'] {
  const kills: ChaosOptions['kills'] = [];
  for (let k = 0; k < perWorker; k++) {
    for (let w = 0; w < workers; w++)
      kills.push({ worker: w, atShare: round((k + (w + 1) / (workers + 1)) / (perWorker + 0.5), 3) });
  }
  return kills.sort((a, b) => a.atShare - b.atShare);
}

export interface ChaosCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface KillEvent {
  worker: string;
  atShare: number;
  killedAtSecond: number;
  restartedAtSecond?: number;
  error?: string;
}

export interface OutageEvent {
  server: InfrastructureServer;
  atShare: number;
  stoppedAtSecond: number;
  backAtSecond?: number;
  error?: string;
}

export interface ChaosReport {
  ok: boolean;
  checks: ChaosCheck[];
  bills: number;
  realms: number;
  workers: number;
  seconds: number;
  timedOut: boolean;
  finalStatuses: Record<string, number>;
  kills: KillEvent[];
  outages: OutageEvent[];
  /** Webhook deliveries answered 503 (while a server was down) and delivered again. */
  webhook503s: number;
  emulator: {
    apiCalls: number;
    faultsInjected: number;
    byStatus: Record<string, number>;
    dropped: number;
    replays: number;
    writes: number;
    /** Batch requests, the writes they carried and the largest. */
    batches: { requests: number; items: number; largest: number };
  };
  tokenEndpoint: { calls: number; byStatus: Record<string, number>; byError: Record<string, number> };
  violations: string[];
  samples: Sample[];
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const workerEnv: Record<string, string> = { QBO_TOKEN_REFRESH_SKEW_SECONDS: String(o.refreshSkewSeconds) };
  if (o.workerConcurrency) workerEnv.WORKER_MAX_CONCURRENT_ACTIVITIES = String(o.workerConcurrency);
  const stack = await startStack({
    workDir: o.workDir,
    workers: o.workers,
    workerEnv,
    emulator: { seed: o.seed, oauth: { accessTokenTtlSeconds: o.accessTokenTtlSeconds, rotation: 'always' } },
  });
  try {
    log(`stack up: API + ${o.workers} workers`);
    const realms: RealmIntegration[] = [];
    for (let r = 0; r < o.realms; r++)
      realms.push(await stack.connectRealm(accountsFor('chaos', r, o.accountsPerRealm)));
    const bills = planBills('cx', realms, o.bills);
    const expected = new Map(bills.map((b) => [b.bill.id, b]));

    stack.emulator.control.resetCounters();
    stack.emulator.control.setFaults(o.faults);
    const tokenCallsBefore = stack.tokenProxy.stats();
    log(
      `faults on (${JSON.stringify(o.faults)}); access tokens live ${o.accessTokenTtlSeconds} s; sending ${bills.length} bills over ${realms.length} realms`,
    );

    const kills: KillEvent[] = [];
    const pending = [...o.kills].sort((a, b) => a.atShare - b.atShare);
    const restarting = new Set<number>();
    const restarts: Array<Promise<void>> = [];
    const progress: PhaseProgress = { samples: [], acked: 0 };
    const startedAt = Date.now();
    const seconds = () => round((Date.now() - startedAt) / 1000, 1);
    const killAndRestart = async (index: number, atShare: number) => {
      const worker = stack.workers[index]!;
      const event: KillEvent = { worker: worker.name, atShare, killedAtSecond: seconds() };
      kills.push(event);
      await worker.kill();
      log(`SIGKILL ${worker.name} at ${event.killedAtSecond} s (${Math.round(atShare * 100)} % finished)`);
      await sleep(1000);
      // As a supervisor would: again until it runs (PostgreSQL or Temporal may be down just then).
      const giveUpAt = Date.now() + 120_000;
      for (let attempt = 1; attempt === 1 || Date.now() < giveUpAt; attempt++) {
        if (attempt > 1) await sleep(2000);
        try {
          await worker.start();
          event.restartedAtSecond = seconds();
          log(`${worker.name} running again at ${event.restartedAtSecond} s`);
          return;
        } catch (err) {
          event.error = (err as Error).message;
        }
      }
    };
    const outages: OutageEvent[] = [];
    const pendingOutages = [...(o.outages ?? [])].sort((a, b) => a.atShare - b.atShare);
    let outage: Promise<void> | undefined;
    const stopAndStart = async (server: InfrastructureServer, atShare: number) => {
      const event: OutageEvent = { server, atShare, stoppedAtSecond: seconds() };
      outages.push(event);
      log(
        `stopping ${server} at ${event.stoppedAtSecond} s (${Math.round(atShare * 100)} % finished), down ${o.downSeconds ?? 10} s`,
      );
      try {
        await restartSharedServer(server, (o.downSeconds ?? 10) * 1000);
        event.backAtSecond = seconds();
        log(`${server} back at ${event.backAtSecond} s`);
      } catch (err) {
        event.error = (err as Error).message;
        log(`${server} did not come back: ${event.error}`);
      }
    };
    const onSample = async (sample: Sample) => {
      const share = sample.finished / bills.length;
      // The finished count is unknown while PostgreSQL is down.
      if (!Number.isFinite(share)) return;
      const due = pendingOutages[0];
      if (due && !outage && progress.acked / bills.length >= due.atShare) {
        pendingOutages.shift();
        outage = stopAndStart(due.server, due.atShare).finally(() => (outage = undefined));
        restarts.push(outage);
      }
      for (const kill of [...pending]) {
        if (share < kill.atShare || restarting.has(kill.worker)) continue;
        if (pending.some((p) => p.worker === kill.worker && p.atShare < kill.atShare)) continue;
        pending.splice(pending.indexOf(kill), 1);
        restarting.add(kill.worker);
        restarts.push(
          killAndRestart(kill.worker, kill.atShare).finally(() => restarting.delete(kill.worker)),
        );
      }
    };
    const sending = sendAll(stack, bills, o.senders, () => (progress.acked += 1), o.sendPerSecond);
    const watched = await watchPhase({
      db: stack.database.db,
      prefix: 'cx',
      total: bills.length,
      progress,
      workers: () => stack.workers,
      startedAt,
      timeoutMs: o.timeoutSeconds * 1000,
      intervalMs: 1000,
      onSample,
      sent: sending,
    });
    const sent = await sending;
    await Promise.all(restarts);
    const runSeconds = seconds();
    log(
      `${watched.finished}/${bills.length} bills finished in ${runSeconds} s${watched.timedOut ? ' (timed out)' : ''}; checking`,
    );

    // ---- checks ------------------------------------------------------------------------------------
    const violations: string[] = [];
    const results = await outcomes(stack.database.db, 'cx');
    const byBill = new Map(results.map((r) => [r.billId, r]));
    const finalStatuses: Record<string, number> = {};
    for (const b of bills) {
      const status = byBill.get(b.bill.id)?.status ?? 'NO RUN';
      finalStatuses[status] = (finalStatuses[status] ?? 0) + 1;
    }

    const { byBill: docsPerBill, strays } = documentsByBill(
      stack,
      realms.map((r) => r.realmId),
      new Set(expected.keys()),
    );
    let duplicateCustomers = 0;
    for (const realm of realms) {
      const docs = stack.emulator.control.documents(realm.realmId);
      const names = new Map<string, number>();
      for (const c of docs.Customer as Array<{ DisplayName?: string }>)
        names.set(c.DisplayName ?? '', (names.get(c.DisplayName ?? '') ?? 0) + 1);
      for (const account of realm.accounts)
        duplicateCustomers += Math.max(0, (names.get(account.name) ?? 0) - 1);
    }

    let notOne = 0;
    let wrongTotal = 0;
    let linkMismatch = 0;
    for (const b of bills) {
      const id = b.bill.id;
      const docs = docsPerBill.get(id) ?? [];
      if (docs.length !== 1) {
        notOne += 1;
        violations.push(`${id}: ${docs.length} documents (${documentMarker(id)})`);
        continue;
      }
      const doc = docs[0]!;
      const cents = Math.round(doc.TotalAmt * 100);
      if (cents !== b.expectedTotalCents) {
        wrongTotal += 1;
        violations.push(
          `${id}: total ${doc.TotalAmt} ≠ bill total ${(b.expectedTotalCents / 100).toFixed(2)}`,
        );
      }
      const outcome = byBill.get(id);
      if (!outcome || outcome.documentState !== 'synced' || outcome.externalId !== doc.Id) {
        linkMismatch += 1;
        violations.push(
          `${id}: bill_documents says ${outcome?.documentState ?? 'nothing'} ${outcome?.externalId ?? ''}, QuickBooks has ${doc.Id}`,
        );
      }
    }
    const endedWellCount = results.filter(endedWell).length;
    const unchangedAfterComplete = endedWellCount - (finalStatuses.COMPLETE ?? 0);
    const notComplete = bills.length - endedWellCount;
    const at = (ms: number | null) => (ms === null ? '–' : `${round((ms - startedAt) / 1000, 1)} s`);
    for (const r of results.filter((x) => !endedWell(x)).slice(0, 20)) {
      violations.push(
        `${r.billId}: final run ${r.status} (${r.runs} run(s); started ${at(r.startedAt)}, document recorded ${at(r.documentAt)}, ended ${at(r.completedAt)}): ${r.message ?? ''}`,
      );
    }

    const token = stack.tokenProxy.stats();
    const tokenCalls = token.calls - tokenCallsBefore.calls;
    const invalidGrant = token.byError.invalid_grant ?? 0;
    const token400 = token.byStatus['400'] ?? 0;
    const { rows: creds } = await stack.database.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM credentials GROUP BY status`,
    );
    const credentialStatuses = Object.fromEntries(creds.map((c) => [c.status, c.n]));
    const killsDone = kills.filter((k) => k.restartedAtSecond !== undefined).length;
    const counters = stack.emulator.control.counters();

    const checks: ChaosCheck[] = [
      {
        name: 'every bill acknowledged (202)',
        ok: sent.rejected.length === 0,
        detail: `${sent.results.length - sent.rejected.length}/${bills.length}${sent.rejected[0] ? `; e.g. ${sent.rejected[0]}` : ''}`,
      },
      {
        name: 'exactly one document per bill',
        ok: notOne === 0 && strays === 0,
        detail: `${bills.length - notOne}/${bills.length} bills with one; ${notOne} without exactly one; ${strays} stray documents`,
      },
      {
        name: 'every total equal to its bill to the cent',
        ok: wrongTotal === 0 && notOne === 0,
        detail: `${wrongTotal} wrong of ${bills.length - notOne} checked`,
      },
      {
        name: 'every bill COMPLETE',
        ok: notComplete === 0,
        detail: `${JSON.stringify(finalStatuses)}${unchangedAfterComplete ? `; ${unchangedAfterComplete} SKIPPED by a later pass that found the COMPLETE run's document unchanged` : ''}`,
      },
      {
        name: 'bill_documents agrees with QuickBooks',
        ok: linkMismatch === 0,
        detail: `${linkMismatch} mismatches`,
      },
      {
        name: 'no customer created twice',
        ok: duplicateCustomers === 0,
        detail: `${duplicateCustomers} duplicates`,
      },
      {
        name: 'zero invalid_grant (token endpoint 400s)',
        ok: invalidGrant === 0 && token400 === 0 && (credentialStatuses.EXPIRED ?? 0) === 0,
        detail: `${invalidGrant} invalid_grant, ${token400} × 400 in ${tokenCalls} token calls; credentials ${JSON.stringify(credentialStatuses)}`,
      },
      {
        name: 'PostgreSQL and Temporal restarted as planned',
        ok: outages.filter((x) => x.backAtSecond !== undefined).length === (o.outages ?? []).length,
        detail:
          outages
            .map((x) => `${x.server} ${x.stoppedAtSecond}→${x.backAtSecond ?? 'not back'} s`)
            .join(', ') || 'none planned',
      },
      {
        name: 'workers killed and restarted as planned',
        ok: killsDone === o.kills.length,
        detail: `${killsDone}/${o.kills.length}`,
      },
      {
        name: 'finished within the time bound',
        ok: !watched.timedOut,
        detail: `${runSeconds} s of ${o.timeoutSeconds} s`,
      },
    ];
    return {
      ok: checks.every((c) => c.ok),
      checks,
      bills: bills.length,
      realms: realms.length,
      workers: o.workers,
      seconds: runSeconds,
      timedOut: watched.timedOut,
      finalStatuses,
      kills,
      outages,
      webhook503s: sent.unavailable,
      emulator: {
        apiCalls: counters.api,
        faultsInjected: counters.faultsInjected,
        byStatus: counters.byStatus,
        dropped: counters.dropped,
        replays: counters.replays,
        writes: counters.writes,
        batches: { requests: counters.batches, items: counters.batchItems, largest: counters.largestBatch },
      },
      tokenEndpoint: { calls: tokenCalls, byStatus: token.byStatus, byError: token.byError },
      violations: violations.slice(0, 50),
      samples: progress.samples,
    };
  } finally {
    await stack.stop();
  }
}

/** The report as text: the checks, then what happened. */
export function chaosText(r: ChaosReport, o: Pick<ChaosOptions, 'faults' | 'accessTokenTtlSeconds'>): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = [
    `chaos: ${r.bills} bills, ${r.realms} realms, ${r.workers} workers, ${r.seconds} s`,
    `faults ${JSON.stringify(o.faults)}; access tokens live ${o.accessTokenTtlSeconds} s`,
    `emulator: ${r.emulator.apiCalls} API calls, ${r.emulator.faultsInjected} faults injected, statuses ${JSON.stringify(r.emulator.byStatus)}, ${r.emulator.replays} requestid replays; ${r.emulator.batches.requests} batch requests carrying ${r.emulator.batches.items} writes (largest ${r.emulator.batches.largest})`,
    `token endpoint: ${r.tokenEndpoint.calls} calls, statuses ${JSON.stringify(r.tokenEndpoint.byStatus)}`,
    `outages: ${r.outages.map((x) => `${x.server}@${x.stoppedAtSecond}s→${x.backAtSecond ?? 'not back'}s`).join(', ') || 'none'}; webhook deliveries answered 503 and delivered again: ${r.webhook503s}`,
    `kills: ${r.kills.map((k) => `${k.worker}@${k.killedAtSecond}s→${k.restartedAtSecond ?? 'not restarted'}s`).join(', ') || 'none'}`,
    '',
    ...r.checks.map((c) => `${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`),
  ];
  if (r.violations.length) lines.push('', 'violations (first 50):', ...r.violations.map((v) => `  ${v}`));
  lines.push('', r.ok ? 'chaos: all checks passed' : 'chaos: CHECKS FAILED');
  return lines.join('\n');
}
