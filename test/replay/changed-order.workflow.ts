import { sleep } from '@temporalio/workflow';

/**
 * A deliberately incompatible bill-sync workflow (a timer first, where the real one records its run): the
 * replay test replays the recorded histories through it to show that a non-deterministic change fails.
 */
export async function billSync(): Promise<void> {
  await sleep('1 second');
}
