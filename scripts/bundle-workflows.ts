import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../src/temporal/payload-codec';
import { WORKFLOWS_PATH } from '../src/temporal/worker';

/** Prebuilds the workflow bundle for production images: `node dist/scripts/bundle-workflows.js <out.js>`. */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'workflow-bundle.js';
  // The failure converter must be in the bundle so failures raised by workflow code are encrypted too.
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  writeFileSync(out, code);
  console.log(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
