import type { Db } from '../../db/pool';
import type { Logger } from '../../platform/logger';
import type { SecretBox } from '../../platform/secret-box';

/** What the settings routers need. */
export interface SettingsDeps {
  db: Db;
  secretBox: SecretBox;
  logger: Logger;
}
