import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Env } from '../config/env';
import { readOrCreateSecret } from '../db/embedded-postgres';

export interface ServiceSecrets {
  encryptionKey: Buffer;
  adminApiKey: string;
  webhookApiKey: string | undefined;
  /** The configured destination's secret; unset in production when m3ter:connect made the destinations. */
  webhookSecret: string | undefined;
  /** Secrets that were generated for development (so the launcher can say where they are). */
  generated: string[];
}

/**
 * Secrets come from the environment. In development a missing one is generated once and kept under the
 * data directory with owner-only permissions; production refuses to start without them (see loadEnv).
 */
export function resolveSecrets(env: Env): ServiceSecrets {
  const generated: string[] = [];
  const devSecret = (name: string, make?: () => string): string => {
    const file = path.resolve(env.DATA_DIR, 'secrets', name);
    generated.push(file);
    return readOrCreateSecret(file, make);
  };
  const encryptionKey = env.ENCRYPTION_KEY
    ? Buffer.from(env.ENCRYPTION_KEY, 'base64')
    : Buffer.from(
        devSecret('encryption.key', () => randomBytes(32).toString('base64')),
        'base64',
      );
  return {
    encryptionKey,
    adminApiKey: env.ADMIN_API_KEY ?? devSecret('admin-api.key'),
    webhookApiKey: env.M3TER_WEBHOOK_API_KEY,
    webhookSecret:
      env.M3TER_WEBHOOK_SECRET ??
      (env.NODE_ENV === 'production' ? undefined : devSecret('m3ter-webhook.secret')),
    generated,
  };
}
