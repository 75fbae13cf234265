import type { RunningEmulator } from '../../emulators/quickbooks';
import type { QuickBooksEndpoints } from '../quickbooks/endpoints';

/** QuickBooks endpoints that point at a running emulator (used by `npm start`, tests and benchmarks). */
export function emulatorEndpoints(
  emulator: Pick<RunningEmulator, 'url' | 'v3BaseUrl' | 'oauth'>,
  redirectUri: string,
): QuickBooksEndpoints {
  return {
    apiBaseUrl: { QuickBooks: emulator.v3BaseUrl, QuickBooksSandbox: emulator.v3BaseUrl },
    appBaseUrl: { QuickBooks: emulator.url, QuickBooksSandbox: emulator.url },
    authorizeUrl: emulator.oauth.authorizeUrl,
    tokenUrl: emulator.oauth.tokenUrl,
    revokeUrl: emulator.oauth.revokeUrl,
    clientId: emulator.oauth.clientId,
    clientSecret: emulator.oauth.clientSecret,
    redirectUri,
  };
}
