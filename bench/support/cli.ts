import { stopSharedEnvironment } from '../../test/support/environment';
import { killAllServiceProcesses } from './service-process';

/**
 * Runs a bench command: `main` returns the exit code. Ctrl-C / SIGTERM kills the service processes, runs
 * `onSignal` and stops the shared PostgreSQL + Temporal environment. The exit is explicit because stopping
 * those servers resets the process's exit code.
 */
export function runCli(
  main: () => Promise<number>,
  onSignal: () => Promise<void> = async () => undefined,
): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(130);
      stopping = true;
      console.log(`${signal}: stopping everything`);
      killAllServiceProcesses();
      void onSignal()
        .catch(() => undefined)
        .then(() => stopSharedEnvironment())
        .finally(() => process.exit(130));
    });
  }
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
