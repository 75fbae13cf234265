/**
 * Which of QBO's real reply styles the emulator uses for throttles, 401s and 504s (ReplySettings), globally
 * or per realm. The defaults are what QBO answers today; the switches give the other styles clients meet.
 */
import type { ReplySettings } from './types';

export const DEFAULT_REPLIES: ReplySettings = {
  throttleStatus: 429,
  throttleFormat: 'xml',
  authFormat: 'json',
  gatewayTimeoutFormat: 'xml',
};

/** Intuit's OAuth endpoints are not the v3 API: their injected faults keep JSON bodies and a 429 throttle. */
export const OAUTH_REPLIES: ReplySettings = {
  throttleStatus: 429,
  throttleFormat: 'json',
  authFormat: 'json',
  gatewayTimeoutFormat: 'json',
};

export class ReplyStyles {
  private global: ReplySettings = { ...DEFAULT_REPLIES };
  private readonly realms = new Map<string, Partial<ReplySettings>>();

  constructor(private readonly start: Partial<ReplySettings> = {}) {
    this.reset();
  }

  /** Changes the given switches globally, or for one realm (a realm's switches win over the global ones). */
  set(settings: Partial<ReplySettings>, realmId?: string): ReplySettings {
    if (realmId === undefined) {
      this.global = { ...this.global, ...settings };
      return { ...this.global };
    }
    this.realms.set(realmId, { ...this.realms.get(realmId), ...settings });
    return this.effective(realmId);
  }

  effective(realmId?: string): ReplySettings {
    return { ...this.global, ...(realmId === undefined ? {} : this.realms.get(realmId)) };
  }

  /** Back to the start options (or the defaults); per-realm switches are forgotten. */
  reset(): void {
    this.global = { ...DEFAULT_REPLIES, ...this.start };
    this.realms.clear();
  }
}
