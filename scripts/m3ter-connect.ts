/**
 * Sets m3ter up to send this service its webhooks (POST /m3ter/connect): the webhook destination at
 * PUBLIC_BASE_URL/webhooks/m3ter with generated credentials (the secret stored sealed), a notification rule per
 * bill and configuration event, and the integration configurations linking them. Run it again: it keeps
 * what is there. `--dry-run` prints what it would create and creates nothing.
 *
 *   npm run m3ter:connect [-- --dry-run]
 *
 * Reads API_URL (default http://127.0.0.1:3000) and ADMIN_API_KEY (default: the development key file).
 */
import { parseArgs } from 'node:util';
import { adminApi, runCli } from './support/admin-api';

interface Connection {
  webhookUrl: string;
  dryRun: boolean;
  steps: Array<{ object: string; name: string; action: 'create' | 'keep' | 'rotate'; id?: string }>;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('usage: npm run m3ter:connect [-- --dry-run]');
    return 0;
  }
  const dryRun = values['dry-run'] ?? false;
  const res = await adminApi().request<Connection>('POST', '/m3ter/connect', { dryRun });
  if (res.status !== 200) {
    console.error(`POST /m3ter/connect: ${res.status} ${res.text}`);
    return 1;
  }
  const { steps, webhookUrl } = res.body;
  const verb = {
    create: dryRun ? 'would create' : 'created',
    keep: 'exists',
    rotate: dryRun ? 'would rotate' : 'rotated',
  };
  console.log(`m3ter → ${webhookUrl}${dryRun ? ' (dry run: nothing created)' : ''}`);
  for (const step of steps)
    console.log(
      `  ${verb[step.action].padEnd(13)} ${step.object.padEnd(26)} ${step.name}${step.id ? `  ${step.id}` : ''}`,
    );
  const made = steps.filter((s) => s.action !== 'keep').length;
  console.log(
    made ? `${made} of ${steps.length} ${dryRun ? 'to make' : 'made'}` : `all ${steps.length} in place`,
  );
  return 0;
}

runCli(main);
