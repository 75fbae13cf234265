import type { SyncFailure } from '../domain/sync-failure';

/** Thrown by sync code for a failure it has already described; turned into a Temporal failure at the activity edge. */
export class SyncFailureError extends Error {
  constructor(readonly failure: SyncFailure) {
    super(failure.message);
    this.name = 'SyncFailureError';
  }
}
