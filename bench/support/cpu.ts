import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Proc {
  pid: number;
  ppid: number;
  /** CPU seconds (user + system) of the process itself, plus its children that it has waited for. */
  cpuSeconds: number;
  command: string;
}

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const command = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is state (field 3); utime is field 14, stime 15, cutime 16, cstime 17.
      const n = (i: number) => Number(fields[i - 3] ?? 0);
      procs.push({
        pid: Number(entry),
        ppid: n(4),
        cpuSeconds: (n(14) + n(15) + n(16) + n(17)) / TICKS_PER_SECOND,
        command,
      });
    } catch {
      // gone meanwhile
    }
  }
  return procs;
}

/**
 * CPU seconds used so far by each process tree under this process, named by `classify(command line)`:
 * e.g. { worker: 41.2, api: 9.8, temporal: 30.1, postgres: 12.0 }. The bench process itself is `bench`.
 */
export function cpuByComponent(
  classify: (pid: number, command: string) => string | undefined,
): Record<string, number> {
  const procs = readProcs();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: Record<string, number> = {};
  const self = procs.find((p) => p.pid === process.pid);
  const ownTicks = self ? self.cpuSeconds : 0;
  out.bench = ownTicks;
  const tree = (p: Proc): number =>
    p.cpuSeconds + (children.get(p.pid) ?? []).reduce((sum, c) => sum + tree(c), 0);
  for (const child of children.get(process.pid) ?? []) {
    const name = classify(child.pid, child.command) ?? child.command;
    out[name] = (out[name] ?? 0) + tree(child);
  }
  return out;
}

/** The difference of two readings, rounded to 0.1 s. */
export function cpuDelta(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = Math.round((v - (before[k] ?? 0)) * 10) / 10;
  return out;
}
