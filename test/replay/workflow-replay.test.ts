import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/workflow-bundle';

const dir = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * Replays recorded histories through the current workflow code: a change that would break running
 * workflows (a different order or set of activities, timers, signals) fails here. After an intended,
 * patched change, record new histories with `npm run capture-histories`.
 */
describe('workflow determinism (replay of recorded histories)', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 2, `found ${files.join(', ')}`);
  });

  for (const file of files) {
    it(`replays ${file} without a determinism error`, async function () {
      this.timeout(60_000);
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 10);
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
    });
  }
});
