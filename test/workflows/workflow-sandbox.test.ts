import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createWorker } from '../../src/temporal/worker';
import { connectTemporalClient, connectWorkerConnection } from '../support/environment';

/**
 * The deadlock guard on calls into the workflow sandbox (WORKFLOW_DEADLOCK_TIMEOUT_MS): off by default, since
 * Node arms it with a thread per call; when set, a workflow that computes longer than it fails its task. The stack
 * trace query (WORKFLOW_STACK_TRACES): off by default, since the SDK then captures a stack for every promise.
 */
describe('workflow sandbox: deadlock guard and stack traces', function () {
  this.timeout(120_000);
  let bundle: WorkflowBundleWithSourceMap;
  // Iterations that take ~0.1 s on the main thread (several times that in the sandbox): far above a 10 ms guard,
  // far below the 10 s workflow task timeout.
  let iterations = 0;

  before(async () => {
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/busy.workflow'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const started = performance.now();
    let x = 0;
    const probe = 5_000_000;
    for (let i = 0; i < probe; i++) x += Math.sqrt(i) % 7;
    assert.ok(x > 0);
    iterations = Math.ceil((probe * 100) / Math.max(1, performance.now() - started));
  });

  async function run(
    deadlockTimeoutMs: number | undefined,
    check: (workflowId: string) => Promise<void>,
    options: { workflowType?: string; stackTraces?: boolean } = {},
  ) {
    const taskQueue = `sandbox-${randomUUID()}`;
    const connection = await connectWorkerConnection();
    const temporal = await connectTemporalClient();
    const worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue,
      activities: {} as never,
      workflowBundle: { code: bundle.code },
      deadlockTimeoutMs,
      stackTraces: options.stackTraces,
    });
    const workflowId = `busy-${randomUUID()}`;
    try {
      await worker.runUntil(async () => {
        const parked = options.workflowType === 'parkedWorkflow';
        await temporal.client.workflow.start(options.workflowType ?? 'busyWorkflow', {
          taskQueue,
          workflowId,
          args: parked ? [] : [iterations],
          workflowTaskTimeout: '10s',
        });
        await check(workflowId);
      });
    } finally {
      await temporal.close();
      await connection.close();
    }
  }

  it('by default lets a workflow task compute as long as it needs (no guard)', async () => {
    await run(undefined, async (workflowId) => {
      const temporal = await connectTemporalClient();
      try {
        const result: number = await temporal.client.workflow.getHandle(workflowId).result();
        assert.ok(result > 0);
      } finally {
        await temporal.close();
      }
    });
  });

  it('with a guard set, fails a workflow task that computes longer than it (and retries it)', async () => {
    await run(10, async (workflowId) => {
      const temporal = await connectTemporalClient();
      const handle = temporal.client.workflow.getHandle(workflowId);
      try {
        const deadline = Date.now() + 60_000;
        let failure: string | undefined;
        while (!failure && Date.now() < deadline) {
          const history = await handle.fetchHistory();
          failure = history.events
            ?.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)
            .find((m): m is string => typeof m === 'string');
          if (!failure) await new Promise((r) => setTimeout(r, 250));
        }
        assert.match(failure ?? 'no workflow task failed', /Script execution timed out after 10ms/);
        assert.equal((await handle.describe()).status.name, 'RUNNING');
        await handle.terminate('test done');
      } finally {
        await temporal.close();
      }
    });
  });

  /** The Web UI's Stack Trace tab sends the `__stack_trace` query. */
  async function stackTraceOf(workflowId: string): Promise<string> {
    const temporal = await connectTemporalClient();
    const handle = temporal.client.workflow.getHandle(workflowId);
    try {
      // The first workflow task has run once the workflow answers a query at all.
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          return await handle.query<string>('__stack_trace');
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (/not enabled/.test(message) || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await handle.terminate('test done').catch(() => undefined);
      await temporal.close();
    }
  }

  it('by default answers the stack trace query with "not enabled" (no stack captured per promise)', async () => {
    await run(
      undefined,
      async (workflowId) => {
        await assert.rejects(
          stackTraceOf(workflowId),
          /Workflow stack traces are not enabled on this worker/,
        );
      },
      { workflowType: 'parkedWorkflow' },
    );
  });

  it('with WORKFLOW_STACK_TRACES on, answers it with where the workflow waits', async () => {
    await run(
      undefined,
      async (workflowId) => {
        const trace = await stackTraceOf(workflowId);
        assert.match(trace, /at waitForever \(.*busy\.workflow\.ts:\d+:\d+\)/);
      },
      { workflowType: 'parkedWorkflow', stackTraces: true },
    );
  });
});
