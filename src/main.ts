import { StopStack, onShutdownSignal } from './bootstrap/lifecycle';
import { startService } from './bootstrap/service';
import { ConfigError, loadEnv, type Env } from './config/env';
import { createLogger } from './platform/logger';

/**
 * `npm start`: everything on one machine with embedded defaults — PostgreSQL, a Temporal dev server with
 * its Web UI, the QuickBooks emulator (when no QuickBooks app is configured), the worker and the API.
 * In production (docker-compose.yml) the same entry point runs the API (ROLE=api) or a worker (ROLE=worker)
 * against real servers.
 */
async function main(): Promise<void> {
  let env: Env;
  try {
    env = loadEnv();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'qbo-sync' });
  const stack = new StopStack();
  onShutdownSignal(() => stack.stopAll(logger), logger);
  try {
    const urls = await startService(env, logger, stack);
    const width = Math.max(...Object.keys(urls).map((k) => k.length));
    console.log(`\nm3ter → QuickBooks sync is running (${env.ROLE}):`);
    for (const [name, url] of Object.entries(urls)) console.log(`  ${name.padEnd(width)}  ${url}`);
    console.log('Ctrl-C stops everything.\n');
  } catch (err) {
    logger.error({ err }, 'start-up failed');
    await stack.stopAll(logger);
    process.exit(1);
  }
}

if (require.main === module) void main();
