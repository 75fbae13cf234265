/**
 * Webhook delivery as Intuit does it: changes to the subscribed entities (Invoice, CreditMemo, Customer by
 * default) are gathered over a short window and POSTed as one legacy `eventNotifications` body (one entry
 * per realm), signed with the app's verifier token (`intuit-signature` = base64 HMAC-SHA256 of the raw body),
 * and retried with backoff while the endpoint answers anything but a 2xx. Every attempt is recorded.
 */
import { createHmac } from 'node:crypto';

export interface WebhookSettings {
  /** Where to POST (a loopback URL). */
  url: string;
  verifierToken: string;
  /** How long changes are gathered before one delivery (Intuit: up to a few minutes). Default 1000. */
  batchWindowMs: number;
  /** Attempts per delivery, the first included. Default 5. */
  maxAttempts: number;
  /** Wait before the first retry, doubled for each next one. Default 1000. */
  retryDelayMs: number;
  /** Entities whose changes are delivered. Default Invoice, CreditMemo, Customer. */
  entities: string[];
}

/** What the control API shows of the settings (the token is never shown). */
export type WebhookSettingsView = Omit<WebhookSettings, 'verifierToken'> & { verifierTokenSet: true };

export interface EntityChange {
  name: string;
  id: string;
  /** Create, Update, Delete, Void */
  operation: string;
  lastUpdated: string;
}

export interface WebhookAttempt {
  /** The delivery (one batch); its retries share it. */
  delivery: number;
  attempt: number;
  at: string;
  /** HTTP status, or 0 when the request failed (connection refused, timeout). */
  status: number;
  error?: string;
  realmIds: string[];
  /** Changes in the body. */
  entities: number;
  body: string;
}

export const WEBHOOK_DEFAULTS: Omit<WebhookSettings, 'url' | 'verifierToken'> = {
  batchWindowMs: 1000,
  maxAttempts: 5,
  retryDelayMs: 1000,
  entities: ['Invoice', 'CreditMemo', 'Customer'],
};

const ATTEMPT_TIMEOUT_MS = 10_000;
const KEPT_ATTEMPTS = 1000;

export function intuitSignature(verifierToken: string, body: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

export class WebhookDelivery {
  private settings: WebhookSettings | undefined;
  private pending = new Map<string, EntityChange[]>();
  private window: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sending = new Set<Promise<void>>();
  private deliveries = 0;
  readonly attempts: WebhookAttempt[] = [];

  configure(
    settings: Partial<WebhookSettings> & { url: string; verifierToken: string },
  ): WebhookSettingsView {
    this.settings = { ...WEBHOOK_DEFAULTS, ...this.settings, ...settings };
    return this.view()!;
  }

  view(): WebhookSettingsView | null {
    if (!this.settings) return null;
    const { verifierToken: _token, ...rest } = this.settings;
    return { ...rest, entities: [...rest.entities], verifierTokenSet: true };
  }

  /** No more deliveries: gathered changes and pending retries are dropped. */
  clear(): void {
    this.settings = undefined;
    this.pending.clear();
    this.stopTimers();
  }

  /** Back to the start: nothing configured, nothing recorded. */
  reset(): void {
    this.clear();
    this.attempts.length = 0;
    this.deliveries = 0;
  }

  stop(): void {
    this.clear();
  }

  record(realmId: string, change: EntityChange): void {
    const settings = this.settings;
    if (!settings || !settings.entities.includes(change.name)) return;
    this.pending.set(realmId, [...(this.pending.get(realmId) ?? []), change]);
    if (!this.window) {
      this.window = setTimeout(() => void this.flush(), settings.batchWindowMs);
      this.window.unref();
    }
  }

  /** Delivers what was gathered now (without waiting for the window); resolves after the first attempt. */
  async flush(): Promise<WebhookAttempt | null> {
    if (this.window) clearTimeout(this.window);
    this.window = undefined;
    const settings = this.settings;
    if (!settings || this.pending.size === 0) return null;
    const eventNotifications = [...this.pending].map(([realmId, entities]) => ({
      realmId,
      dataChangeEvent: { entities },
    }));
    this.pending = new Map();
    const body = JSON.stringify({ eventNotifications });
    this.deliveries += 1;
    return this.send(settings, this.deliveries, body, eventNotifications, 1);
  }

  /** Resolves once no attempt is in flight (retries still waiting are not awaited). */
  async idle(): Promise<void> {
    while (this.sending.size) await Promise.all([...this.sending]);
  }

  private async send(
    settings: WebhookSettings,
    delivery: number,
    body: string,
    notifications: Array<{ realmId: string; dataChangeEvent: { entities: EntityChange[] } }>,
    attempt: number,
  ): Promise<WebhookAttempt> {
    let record: WebhookAttempt | undefined;
    const run = (async () => {
      let status = 0;
      let error: string | undefined;
      try {
        const res = await fetch(settings.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'intuit-signature': intuitSignature(settings.verifierToken, body),
          },
          body,
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      record = {
        delivery,
        attempt,
        at: new Date().toISOString(),
        status,
        error,
        realmIds: notifications.map((n) => n.realmId),
        entities: notifications.reduce((sum, n) => sum + n.dataChangeEvent.entities.length, 0),
        body,
      };
      this.attempts.push(record);
      if (this.attempts.length > KEPT_ATTEMPTS) this.attempts.splice(0, this.attempts.length - KEPT_ATTEMPTS);
      const delivered = status >= 200 && status < 300;
      // A retry goes where the endpoint is configured at that time; cleared settings drop it.
      if (!delivered && attempt < settings.maxAttempts && this.settings) {
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            const current = this.settings;
            if (current) void this.send(current, delivery, body, notifications, attempt + 1);
          },
          settings.retryDelayMs * 2 ** (attempt - 1),
        );
        timer.unref();
        this.timers.add(timer);
      }
    })();
    this.sending.add(run);
    try {
      await run;
    } finally {
      this.sending.delete(run);
    }
    return record!;
  }

  private stopTimers(): void {
    if (this.window) clearTimeout(this.window);
    this.window = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
