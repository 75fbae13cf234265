import type { Logger } from '../platform/logger';

/** Things started, stopped in reverse order. */
export class StopStack {
  private readonly stops: Array<{ name: string; stop: () => Promise<unknown> | unknown }> = [];

  push(name: string, stop: () => Promise<unknown> | unknown): void {
    this.stops.push({ name, stop });
  }

  async stopAll(logger?: Logger): Promise<void> {
    while (this.stops.length > 0) {
      const { name, stop } = this.stops.pop()!;
      try {
        await stop();
        logger?.debug({ component: name }, 'stopped');
      } catch (err) {
        logger?.warn({ component: name, err }, 'failed to stop cleanly');
      }
    }
  }
}

/** Stops everything on Ctrl-C / SIGTERM, once; a second signal exits at once. */
export function onShutdownSignal(run: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    run().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
