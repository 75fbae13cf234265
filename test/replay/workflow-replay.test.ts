import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/workflow-bundle';
import { HISTORIES_DIR, SCENARIOS } from './capture-histories';

/**
 * Replays recorded histories through the current workflow code: a change that would break running
 * workflows (a different order or set of activities, timers, signals) fails here. After an intended,
 * patched change, record new histories with `npm run capture-histories` (see that file).
 */
describe('workflow determinism (replay of recorded histories)', function () {
  this.timeout(120_000);
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));
  const histories = files.map((file) => ({
    file,
    history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'))),
  }));

  it('has a history of every scenario for each recorded version', () => {
    const versions = new Set(files.map((f) => f.split('-')[0]));
    assert.ok(versions.size >= 1, 'no recorded history');
    for (const version of versions)
      for (const scenario of SCENARIOS)
        assert.ok(
          files.includes(`${version}-bill-sync-${scenario}.json`),
          `${version}: no ${scenario} history`,
        );
  });

  it('replays every recorded history through the current workflow code without a determinism error', async () => {
    const results = await replayAll(await workflowBundle(), histories);
    assert.deepEqual(
      results.map((r) => [r.workflowId, r.error?.message ?? null]),
      histories.map(({ file }) => [file, null]),
    );
    for (const { file, history } of histories) {
      const commands = (history.events ?? []).filter(
        (e) => e.markerRecordedEventAttributes || e.activityTaskScheduledEventAttributes,
      );
      assert.ok(commands.length >= 3, `${file} records the workflow's steps`);
    }
  });

  it('fails on a workflow whose steps changed (the replay can tell)', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: require.resolve('./changed-order.workflow'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const results = await replayAll(changed, histories);
    assert.equal(results.length, histories.length);
    for (const result of results)
      assert.ok(result.error instanceof DeterminismViolationError, `${result.workflowId}: ${result.error}`);
  });
});

async function replayAll(
  bundle: Awaited<ReturnType<typeof workflowBundle>>,
  histories: Array<{ file: string; history: temporal.api.history.v1.IHistory }>,
): Promise<Array<{ workflowId: string; error?: Error }>> {
  const results: Array<{ workflowId: string; error?: Error }> = [];
  const replays = Worker.runReplayHistories(
    { workflowBundle: bundle },
    histories.map(({ file, history }) => ({ workflowId: file, history })),
  );
  for await (const result of replays) results.push({ workflowId: result.workflowId, error: result.error });
  return results;
}
