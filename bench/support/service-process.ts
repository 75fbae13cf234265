import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export const TSX_ENTRY = ['--import', 'tsx', 'src/main.ts'];

/** What `src/main.ts` prints once every part of the process is up. */
const READY = /sync is running \((all|api|worker)\)/;

export interface MemoryReading {
  /** Resident set size now (VmRSS). */
  rssBytes: number;
  /** Peak resident set size since the process started (VmHWM). */
  peakRssBytes: number;
}

/** Resident memory of a process from /proc (Linux); undefined when the process is gone. */
export function readMemory(pid: number): MemoryReading | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const rssBytes = kb('VmRSS');
  const peakRssBytes = kb('VmHWM');
  return Number.isFinite(rssBytes) ? { rssBytes, peakRssBytes } : undefined;
}

const live = new Set<ServiceProcess>();

/** SIGKILLs every service process still running (on Ctrl-C, and as a last resort when this process exits). */
export function killAllServiceProcesses(): void {
  for (const p of live) {
    const pid = p.pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
process.on('exit', killAllServiceProcesses);

/**
 * One process of the service (`node --import tsx src/main.ts` with ROLE=api or ROLE=worker), its output
 * appended to a log file. It can be killed (SIGKILL) and started again with the same environment.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private log?: WriteStream;
  /** Times started (a restart counts). */
  starts = 0;
  kills = 0;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    /** Node arguments: the TypeScript entry point through tsx (default) or a compiled build's `src/main.js`. */
    private readonly args: string[] = TSX_ENTRY,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get logPath(): string {
    return this.logFile;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  memory(): MemoryReading | undefined {
    const pid = this.pid;
    return pid === undefined ? undefined : readMemory(pid);
  }

  /** Starts the process and resolves once it reports that it is running (or rejects when it exits or times out). */
  async start(timeoutMs = 120_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    this.log.write(`\n==== ${this.name}: start #${this.starts + 1} at ${new Date().toISOString()} ====\n`);
    const child = spawn(process.execPath, this.args, {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(this);
    this.starts += 1;
    const log = this.log;
    child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not report ready within ${timeoutMs} ms (log: ${this.logFile})`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        log.write(chunk);
        if (seen.length < 10_000) seen += chunk.toString('utf8');
        if (READY.test(seen)) {
          cleanup();
          resolve();
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(
          new Error(
            `${this.name} exited during start-up (code ${code}, signal ${signal}); log: ${this.logFile}`,
          ),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
      };
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
    child.stdout?.on('data', (chunk: Buffer) => log.write(chunk));
  }

  /** SIGKILL, then wait for the exit. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.kills += 1;
    this.log?.write(`\n==== ${this.name}: SIGKILL at ${new Date().toISOString()} ====\n`);
    process.kill(pid, 'SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the service stops in order), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined) {
      process.kill(pid, 'SIGTERM');
      const timer = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), graceMs).unref(),
      );
      if ((await Promise.race([this.exited, timer])) === 'timeout' && this.pid !== undefined) {
        process.kill(this.pid, 'SIGKILL');
        await this.exited;
      }
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(() => resolve()) : resolve()));
    this.log = undefined;
    live.delete(this);
  }
}
