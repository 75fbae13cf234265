import type { Db } from '../../src/db/pool';
import type { ServiceProcess } from './service-process';
import { countFinished, sleep } from './workload';

export interface Sample {
  /** Seconds since the phase started. */
  t: number;
  acked: number;
  finished: number;
  inFlight: number;
  /** Resident memory of each worker (bytes; NaN while a worker is down). */
  rss: number[];
  /** Whatever else the phase samples (e.g. the emulator's counters). */
  extra: Record<string, number>;
}

export interface PhaseProgress {
  samples: Sample[];
  /** Set by the sender as webhooks are acknowledged. */
  acked: number;
}

/**
 * Samples a phase every `intervalMs` until `total` bills (ids starting with `prefix`) have finished runs or
 * `timeoutMs` passes: how many are acknowledged, finished and in flight, worker memory, and `extra()`.
 * `onSample` runs after each sample (the chaos run kills workers from there).
 */
export async function watchPhase(options: {
  db: Db;
  prefix: string;
  total: number;
  progress: PhaseProgress;
  workers: () => ServiceProcess[];
  startedAt: number;
  timeoutMs: number;
  intervalMs?: number;
  extra?: () => Record<string, number>;
  onSample?: (sample: Sample) => Promise<void>;
  /** Resolves when sending is over (finishing is only checked after that). */
  sent: Promise<unknown>;
}): Promise<{ finished: number; timedOut: boolean }> {
  const interval = options.intervalMs ?? 500;
  let sendingOver = false;
  void options.sent.finally(() => (sendingOver = true)).catch(() => undefined);
  const deadline = options.startedAt + options.timeoutMs;
  for (;;) {
    const finished = await countFinished(options.db, options.prefix).catch(() => NaN);
    const sample: Sample = {
      t: (Date.now() - options.startedAt) / 1000,
      acked: options.progress.acked,
      finished,
      inFlight: options.progress.acked - finished,
      rss: options.workers().map((w) => w.memory()?.rssBytes ?? NaN),
      extra: options.extra?.() ?? {},
    };
    options.progress.samples.push(sample);
    await options.onSample?.(sample);
    if (sendingOver && finished >= options.total) return { finished, timedOut: false };
    if (Date.now() > deadline) return { finished, timedOut: true };
    await sleep(interval);
  }
}
