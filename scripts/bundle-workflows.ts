import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../src/temporal/worker';

/** Prebuilds the workflow bundle for production images: `node dist/scripts/bundle-workflows.js <out.js>`. */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'workflow-bundle.js';
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  writeFileSync(out, code);
  console.log(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
