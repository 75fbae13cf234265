import type { Db } from '../../db/pool';
import type { Logger } from '../../platform/logger';
import type { SecretBox } from '../../platform/secret-box';
import type { IntegrationListener } from '../../settings/integrations';
import type { ReferenceCache } from '../../settings/reference-cache';

/** What the settings routers need. */
export interface SettingsDeps {
  db: Db;
  secretBox: SecretBox;
  logger: Logger;
  /** Settings that name m3ter objects not stored yet read them from m3ter first. */
  reference?: ReferenceCache;
  /** Told when an integration is created or deleted (its sweep schedule). */
  integrationListener?: IntegrationListener;
}
