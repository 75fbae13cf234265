/**
 * `npm run chaos [-- --bills 1000 --realms 20 --workers 2 --kills 3 …]`   (`-- --help` lists every flag)
 *
 * 1,000 bills across 20 realms on two worker processes while the emulator injects 10 % 5xx, 5 % 429, 2 %
 * commit-then-drop and 1 % five-second latency, access tokens expire every minute, and each worker is
 * SIGKILLed and started again three times; PostgreSQL and the Temporal server are each stopped once for 10 s and
 * started again (webhooks answer 503 meanwhile and are delivered again, as m3ter does). Asserts exactly one document per bill, every total to the cent,
 * every bill COMPLETE and zero invalid_grant; prints the checks, writes bench/results/chaos-latest.json
 * and exits non-zero on any violation.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSharedEnvironment, stopSharedEnvironment } from '../test/support/environment';
import { chaosText, runChaos, spreadKills, type ChaosOptions } from './support/chaos-run';
import { machine } from './support/report';
import { runCli } from './support/cli';
import { PROJECT_ROOT } from './support/service-process';

const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');

function options(): ChaosOptions & { out: string } {
  const { values } = parseArgs({
    options: {
      bills: { type: 'string', default: '1000' },
      realms: { type: 'string', default: '20' },
      accounts: { type: 'string', default: '5' },
      workers: { type: 'string', default: '2' },
      kills: { type: 'string', default: '3' },
      'error-share': { type: 'string', default: '0.10' },
      'throttle-share': { type: 'string', default: '0.05' },
      'commit-then-drop-share': { type: 'string', default: '0.02' },
      'latency-share': { type: 'string', default: '0.01' },
      'latency-ms': { type: 'string', default: '5000' },
      'token-ttl-s': { type: 'string', default: '60' },
      'refresh-skew-s': { type: 'string', default: '15' },
      concurrency: { type: 'string' },
      senders: { type: 'string', default: '20' },
      'timeout-s': { type: 'string', default: '1800' },
      seed: { type: 'string', default: '7' },
      'restart-postgres-at': { type: 'string', default: '0.3' },
      'restart-temporal-at': { type: 'string', default: '0.55' },
      'down-s': { type: 'string', default: '10' },
      'send-rate': { type: 'string', default: '8' },
      out: { type: 'string', default: path.join(RESULTS_DIR, 'chaos-latest.json') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`npm run chaos -- [--bills 1000] [--realms 20] [--accounts 5] [--workers 2] [--kills 3 (per worker)]
  [--error-share 0.10] [--throttle-share 0.05] [--commit-then-drop-share 0.02] [--latency-share 0.01] [--latency-ms 5000]
  [--token-ttl-s 60] [--refresh-skew-s 15] [--concurrency N (worker activity slots; default the product's)]
  [--senders 20] [--timeout-s 1800] [--seed 7] [--out bench/results/chaos-latest.json]
  [--restart-postgres-at 0.3] [--restart-temporal-at 0.55] (share of bills acknowledged; 0 = never) [--down-s 10]
  [--send-rate 8 (webhooks a second; 0 = as fast as answered)]`);
    process.exit(0);
  }
  const num = (name: keyof typeof values, min = 0): number => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const workers = num('workers', 1);
  return {
    workDir: path.join(RESULTS_DIR, 'chaos-work'),
    out: path.resolve(String(values.out)),
    bills: num('bills', 1),
    realms: num('realms', 1),
    accountsPerRealm: num('accounts', 1),
    workers,
    kills: spreadKills(workers, num('kills')),
    faults: {
      errorShare: num('error-share'),
      throttleShare: num('throttle-share'),
      commitThenDropShare: num('commit-then-drop-share'),
      latencyShare: num('latency-share'),
      latencyMs: num('latency-ms'),
    },
    accessTokenTtlSeconds: num('token-ttl-s', 1),
    refreshSkewSeconds: num('refresh-skew-s'),
    workerConcurrency: values.concurrency === undefined ? undefined : num('concurrency', 1),
    senders: num('senders', 1),
    timeoutSeconds: num('timeout-s', 1),
    seed: num('seed'),
    outages: (
      [
        { server: 'postgres', atShare: num('restart-postgres-at') },
        { server: 'temporal', atShare: num('restart-temporal-at') },
      ] as const
    ).filter((x) => x.atShare > 0),
    downSeconds: num('down-s', 1),
    sendPerSecond: num('send-rate') || undefined,
    log: (m) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}`),
  };
}

async function main(): Promise<number> {
  const o = options();
  rmSync(o.workDir, { recursive: true, force: true });
  mkdirSync(o.workDir, { recursive: true });
  // Restartable: both servers keep their data on disk and their ports, so the run can stop and start them.
  await startSharedEnvironment({ restartable: true });
  try {
    const started = Date.now();
    const report = await runChaos(o);
    const { log: _log, ...shown } = o;
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(
      o.out,
      `${JSON.stringify({ kind: 'chaos', at: new Date().toISOString(), options: shown, machine: machine(), wallSeconds: Math.round((Date.now() - started) / 1000), ...report }, null, 2)}\n`,
    );
    console.log(
      `\n${chaosText(report, o)}\n\nJSON: ${path.relative(process.cwd(), o.out)}   logs: ${path.relative(process.cwd(), o.workDir)}`,
    );
    return report.ok ? 0 : 1;
  } finally {
    await stopSharedEnvironment();
  }
}

runCli(main);
