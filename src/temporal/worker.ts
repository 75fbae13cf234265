import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { Activities } from '../activities';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (production, tests); otherwise the workflows are bundled at start-up. */
  workflowBundle?: WorkflowBundleOption;
  maxConcurrentActivityTaskExecutions?: number;
  /** Workflows cached between tasks (≈0.4 MB each; the SDK's default grows with the heap). */
  maxCachedWorkflows?: number;
  /** How long in-flight activities may finish when the worker stops (default 10 s). */
  shutdownGraceTime?: string;
  /** The payload codec (src/temporal/payload-codec.ts): the same as the client's. */
  dataConverter?: DataConverter;
  /**
   * How long one call into the workflow sandbox may run before it fails as a deadlock; 0 (default) = no
   * guard. The SDK's 5 s guard costs a thread per call (patches/@temporalio+worker+*.patch lets 0 turn it off).
   */
  deadlockTimeoutMs?: number;
  /**
   * Answer the Web UI's stack trace query (default off: the SDK then captures a stack for every promise a
   * workflow makes). patches/@temporalio+worker+*.patch reads it in the workflow threads, which copy the env.
   */
  stackTraces?: boolean;
}

/** The worker only wires: workflows from src/workflows, activities from createActivities(deps). */
export function createWorker(options: WorkerOptions): Promise<Worker> {
  process.env.WORKFLOW_STACK_TRACES = String(options.stackTraces ?? false);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
    maxCachedWorkflows: options.maxCachedWorkflows,
    dataConverter: options.dataConverter,
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    // Workflow task pollers scale on the server's word: the fixed default leaves new and evicted workflows two
    // pollers, too few while a month-end intake keeps the server busy (the sends wait on those first tasks).
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    // Not in the SDK's public options type; the worker reads it (default 5 s).
    ...{ isolateExecutionTimeout: options.deadlockTimeoutMs ?? 0 },
  });
}
