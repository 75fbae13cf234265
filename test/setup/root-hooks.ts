import { DefaultLogger, Runtime } from '@temporalio/worker';
import { describeError, startSharedEnvironment, stopSharedEnvironment } from '../support/environment';

// Temporal's worker logs retries (expected in failure tests) at WARN; keep the test output to errors.
Runtime.install({
  logger: new DefaultLogger(process.env.TEMPORAL_LOG_LEVEL === 'debug' ? 'DEBUG' : 'ERROR'),
});

// One PostgreSQL and one Temporal dev server for the whole run; a server that cannot start fails the run.
export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    // Whatever rejects, mocha gets an Error that says what failed ("Promise rejected with no or falsy
    // reason" said nothing).
    await startSharedEnvironment().catch((err: unknown) => {
      throw err instanceof Error ? err : new Error(describeError(err));
    });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopSharedEnvironment();
  },
};
