import { startSharedEnvironment, stopSharedEnvironment } from '../support/environment';

// One PostgreSQL and one Temporal dev server for the whole run; a server that cannot start fails the run.
export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    await startSharedEnvironment();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopSharedEnvironment();
  },
};
