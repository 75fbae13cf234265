/** Helpers for the m3ter client tests: a client wired to a running emulator, with recorded backoff sleeps. */
import type { RunningM3terEmulator } from '../../emulators/m3ter';
import { M3terClient, type M3terClientConfig } from '../../src/m3ter';

export { useM3terEmulator, startReceiver } from '../m3ter-emulator/helpers';

export interface TestClient {
  client: M3terClient;
  /** Every backoff the client asked for, in ms (the sleeps return at once). */
  sleeps: number[];
  /** Authorization headers the client sent, in order. */
  authorizations: string[];
  /** Request bodies the client sent, in order (undefined for none). */
  bodies: Array<string | undefined>;
  /** Request URLs, in order. */
  urls: URL[];
}

/**
 * A client for the emulator's default organization that shares the emulator's movable clock, waits no real
 * time between retries (recorded instead) and uses fixed jitter (0.5), so backoffs are exact: with a base of
 * 100 ms, 75, 150, 300, … ms.
 */
export function clientFor(em: RunningM3terEmulator, overrides: Partial<M3terClientConfig> = {}): TestClient {
  const sleeps: number[] = [];
  const authorizations: string[] = [];
  const bodies: Array<string | undefined> = [];
  const urls: URL[] = [];
  const client = new M3terClient({
    baseUrl: em.url,
    orgId: em.defaultOrgId,
    apiKey: em.credentials.apiKey,
    apiSecret: em.credentials.apiSecret,
    now: () => em.control.clock.now(),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    retryBaseDelayMs: 100,
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      authorizations.push(headers.get('authorization') ?? '');
      bodies.push(typeof init?.body === 'string' ? init.body : undefined);
      urls.push(new URL(String(input)));
      return fetch(input, init);
    },
    ...overrides,
  });
  return { client, sleeps, authorizations, bodies, urls };
}
