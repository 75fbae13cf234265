/**
 * Standalone QuickBooks Online emulator: `npm run emulator`.
 * EMULATOR_PORT (default 4010), EMULATOR_HOST (default 127.0.0.1), EMULATOR_SEED (default 1),
 * EMULATOR_REALM_ID (the default realm), EMULATOR_LIMITS=on (QBO limits on from the start).
 */
import { startEmulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.EMULATOR_PORT ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`EMULATOR_PORT must be a port number, got ${process.env.EMULATOR_PORT}`);
  const seed = process.env.EMULATOR_SEED === undefined ? undefined : Number(process.env.EMULATOR_SEED);
  const emulator = await startEmulator({
    port,
    host: process.env.EMULATOR_HOST ?? '127.0.0.1',
    seed,
    defaultRealmId: process.env.EMULATOR_REALM_ID || undefined,
    limits: process.env.EMULATOR_LIMITS === 'on' ? { enabled: true } : undefined,
  });
  console.log(
    [
      `QuickBooks Online emulator listening on ${emulator.url}`,
      `  v3 API base (node-quickbooks V3_ENDPOINT_BASE_URL): ${emulator.v3BaseUrl}`,
      `  OAuth authorize: ${emulator.oauth.authorizeUrl}`,
      `  OAuth token:     ${emulator.oauth.tokenUrl}`,
      `  OAuth revoke:    ${emulator.oauth.revokeUrl}`,
      `  OAuth userinfo:  ${emulator.oauth.userInfoUrl}`,
      `  client id:       ${emulator.oauth.clientId}`,
      `  client secret:   ${emulator.oauth.clientSecret}`,
      `  default realm:   ${emulator.defaultRealmId}`,
      `  controls:        ${emulator.url}/_emulator (see emulator/README.md)`,
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the emulator`);
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
