import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/payload-codec';
import { WORKFLOWS_PATH } from '../../src/temporal/worker';

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The product's workflows, bundled once per test run (bundling takes seconds). `shortQuickBooksRetries` adds
 * the test interceptor that makes QuickBooks steps retry fast and give up after 2 attempts.
 */
export function workflowBundle(
  options: { shortQuickBooksRetries?: boolean } = {},
): Promise<WorkflowBundleWithSourceMap> {
  const key = options.shortQuickBooksRetries ? 'short-retries' : 'product';
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      failureConverterPath: FAILURE_CONVERTER_PATH,
      workflowInterceptorModules: options.shortQuickBooksRetries
        ? [require.resolve('./short-retries.workflow-interceptor')]
        : [],
      logger: quietLogger,
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta),
};
