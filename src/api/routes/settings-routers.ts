import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { credentialsRouter } from './credentials.routes';
import type { SettingsDeps } from './deps';
import { externalMappingsRouter } from './external-mappings.routes';
import { integrationsRouter } from './integrations.routes';
import { overviewRouter } from './overview.routes';
import { referenceDataRouter } from './reference-data.routes';

export type { SettingsDeps } from './deps';

/** The admin routers of integrations, credentials, external mappings and m3ter reference data, for `createApp({ adminRouters })`. */
export function settingsRouters(deps: SettingsDeps): Array<(registry: OpenAPIRegistry) => Router> {
  return [
    integrationsRouter(deps),
    credentialsRouter(deps),
    externalMappingsRouter(deps),
    referenceDataRouter(deps),
    overviewRouter(deps),
  ];
}
