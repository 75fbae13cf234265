/**
 * Standalone m3ter emulator: `npm run m3ter-emulator`.
 * M3TER_EMULATOR_PORT (default 4020), M3TER_EMULATOR_HOST (default 127.0.0.1, loopback only),
 * M3TER_EMULATOR_SEED (fault generator, default 1), M3TER_EMULATOR_ORG_ID (the default organization).
 */
import { startM3terEmulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.M3TER_EMULATOR_PORT ?? 4020);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`M3TER_EMULATOR_PORT must be a port number, got ${process.env.M3TER_EMULATOR_PORT}`);
  const seed =
    process.env.M3TER_EMULATOR_SEED === undefined ? undefined : Number(process.env.M3TER_EMULATOR_SEED);
  const emulator = await startM3terEmulator({
    port,
    host: process.env.M3TER_EMULATOR_HOST ?? '127.0.0.1',
    seed,
    defaultOrgId: process.env.M3TER_EMULATOR_ORG_ID || undefined,
  });
  console.log(
    [
      `m3ter emulator listening on ${emulator.url}`,
      `  API base (M3TER_BASE_URL): ${emulator.url}`,
      `  token endpoint:            ${emulator.tokenUrl}`,
      `  organization (M3TER_ORG_ID):   ${emulator.defaultOrgId}`,
      `  API key (M3TER_API_KEY):       ${emulator.credentials.apiKey}`,
      `  API secret (M3TER_API_SECRET): ${emulator.credentials.apiSecret}`,
      `  controls: ${emulator.url}/_emulator (see emulators/m3ter/README.md)`,
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the m3ter emulator`);
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
