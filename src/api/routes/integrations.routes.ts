import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import {
  CONNECTION_STATUSES,
  DestinationSchema,
  IntegrationSettingsSchema,
  type IntegrationSettings,
} from '../../domain/integration-settings';
import * as integrations from '../../settings/integrations';
import { integrationAudit } from '../../settings/audit';
import { checkAccountFilter } from '../../settings/account-filter-check';
import type { SettingsDeps } from './deps';
import {
  IdParams,
  OptionalVersionQuery,
  PageQuery,
  QueryBoolean,
  Timestamp,
  Version,
  pageOf,
  routes,
  splitPage,
} from './route-kit';

const Warning = z.object({ field: z.string(), message: z.string() }).meta({ id: 'SettingsWarning' });

export const IntegrationResponse = IntegrationSettingsSchema.extend({
  id: z.string(),
  enabled: z.boolean(),
  credentialId: z.string().nullable(),
  connectionStatus: z.enum(CONNECTION_STATUSES),
  disabledAt: Timestamp.nullable(),
  disabledReason: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  version: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  warnings: z.array(Warning).optional().describe('On writes: ids not (yet) known locally; saved anyway'),
}).meta({ id: 'Integration' });

const CreateIntegrationBody = IntegrationSettingsSchema.extend({
  enabled: z.boolean().default(true),
  credentialId: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('Credential to attach (same destination)'),
}).meta({ id: 'CreateIntegration' });

const ReplaceIntegrationBody = IntegrationSettingsSchema.extend({ version: Version }).meta({
  id: 'ReplaceIntegration',
});

/** Every setting optional and without its default: absent = unchanged. */
const settingsPatchShape = Object.fromEntries(
  Object.entries(IntegrationSettingsSchema.shape).map(([key, schema]) => [
    key,
    (schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema).optional(),
  ]),
);
const PatchIntegrationBody = z
  .strictObject({ ...settingsPatchShape, version: Version })
  .meta({ id: 'PatchIntegration' }) as unknown as z.ZodType<
  Partial<IntegrationSettings> & { version: number }
>;

const ListQuery = z.strictObject({
  destination: DestinationSchema.optional(),
  enabled: QueryBoolean.optional(),
  credentialId: z.string().optional(),
  ...PageQuery,
});

const DisableBody = z
  .strictObject({ reason: z.string().trim().min(1).max(1000).optional(), version: Version.optional() })
  .optional();
const EnableBody = z.strictObject({ version: Version.optional() }).optional();
const AuditEntry = z
  .object({
    id: z.number().int(),
    at: Timestamp,
    actor: z.string().describe('`api-key` or `console-session:<short id>`'),
    action: z.string().describe('What was done, e.g. `integration settings changed`'),
    route: z.string().describe('`METHOD /path`'),
    entityId: z.string().nullable(),
    integrationId: z.string().nullable(),
    fields: z
      .record(z.string(), z.unknown())
      .describe('The fields sent, with their values; secrets keep only their name ("[redacted]")'),
  })
  .meta({ id: 'AuditEntry' });
const AuditQuery = z.strictObject({ ...PageQuery });

const FilterCheckBody = z
  .strictObject({
    expression: z.string().max(4000).describe('An account filter, as in the accountFilter setting'),
    accountId: z.string().min(1).max(200).optional().describe('Also evaluate it against this m3ter account'),
  })
  .meta({ id: 'AccountFilterCheckRequest' });
const FilterCheckResponse = z
  .object({
    valid: z.boolean(),
    error: z
      .object({
        position: z.number().int().describe('0-based character offset of the problem'),
        expected: z.string(),
        message: z.string(),
      })
      .nullable(),
    matches: z
      .boolean()
      .nullable()
      .describe('With accountId and a valid filter: whether that account matches'),
  })
  .meta({ id: 'AccountFilterCheck' });

const ConnectCredentialBody = z.strictObject({ credentialId: z.string().min(1), version: Version });

export function integrationsRouter(deps: SettingsDeps): (registry: OpenAPIRegistry) => Router {
  const { db, logger } = deps;
  const writes = { db, reference: deps.reference, listener: deps.integrationListener };
  return (registry) => {
    const r = routes(registry, 'Integrations', logger);
    const withWarnings = ({ integration, warnings }: integrations.IntegrationWriteResult) => ({
      ...integration,
      warnings,
    });

    r.route(
      {
        method: 'post',
        path: '/integrations',
        summary: 'Create an integration; unknown account/product/aggregation ids come back as warnings',
        body: CreateIntegrationBody,
        status: 201,
        response: IntegrationResponse,
        audit: 'integration created',
      },
      async ({ body }) => {
        const { enabled, credentialId, ...settings } = body;
        return withWarnings(
          await integrations.createIntegration(writes, { settings, enabled, credentialId }),
        );
      },
    );
    r.route(
      {
        method: 'get',
        path: '/integrations',
        summary: 'List integrations',
        query: ListQuery,
        response: pageOf(IntegrationResponse, 'IntegrationPage'),
      },
      ({ query }) => integrations.listIntegrations(db, ...splitPage(query)),
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}',
        summary: 'Read an integration',
        params: IdParams,
        response: IntegrationResponse,
      },
      ({ params }) => integrations.getIntegration(db, params.id),
    );
    r.route(
      {
        method: 'put',
        path: '/integrations/{id}',
        summary: 'Replace all settings (absent settings take their defaults)',
        params: IdParams,
        body: ReplaceIntegrationBody,
        response: IntegrationResponse,
        audit: 'integration settings replaced',
      },
      async ({ params, body }) => {
        const { version, ...settings } = body;
        return withWarnings(
          await integrations.replaceIntegrationSettings(writes, params.id, version, settings),
        );
      },
    );
    r.route(
      {
        method: 'patch',
        path: '/integrations/{id}',
        summary: 'Change some settings',
        params: IdParams,
        body: PatchIntegrationBody,
        response: IntegrationResponse,
        audit: 'integration settings changed',
      },
      async ({ params, body }) => {
        const { version, ...patch } = body;
        return withWarnings(await integrations.patchIntegrationSettings(writes, params.id, version, patch));
      },
    );
    r.route(
      {
        method: 'delete',
        path: '/integrations/{id}',
        summary: 'Delete an integration and its linked mappings',
        params: IdParams,
        query: OptionalVersionQuery,
        status: 204,
        audit: 'integration deleted',
      },
      ({ params, query }) => integrations.deleteIntegration(writes, params.id, query.version),
    );
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/enable',
        summary: 'Enable; clears disabledAt/disabledReason and the consecutive-failure count',
        params: IdParams,
        body: EnableBody,
        response: IntegrationResponse,
        audit: 'integration enabled',
      },
      ({ params, body }) => integrations.enableIntegration(db, params.id, { version: body?.version }),
    );
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/disable',
        summary: 'Disable, with an optional reason',
        params: IdParams,
        body: DisableBody,
        response: IntegrationResponse,
        audit: 'integration disabled',
      },
      async ({ params, body }) =>
        (
          await integrations.disableIntegration(db, params.id, {
            reason: body?.reason ?? null,
            version: body?.version,
          })
        ).integration,
    );
    r.route(
      {
        method: 'put',
        path: '/integrations/{id}/credential',
        summary: 'Connect or change the credential (same destination)',
        params: IdParams,
        body: ConnectCredentialBody,
        response: IntegrationResponse,
        audit: 'integration credential connected',
      },
      ({ params, body }) => integrations.connectCredential(db, params.id, body.credentialId, body.version),
    );
    r.route(
      {
        method: 'delete',
        path: '/integrations/{id}/credential',
        summary: 'Disconnect the credential',
        params: IdParams,
        query: OptionalVersionQuery,
        response: IntegrationResponse,
        audit: 'integration credential disconnected',
      },
      ({ params, query }) => integrations.disconnectCredential(db, params.id, query.version),
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/audit',
        summary: 'Who changed what and when (newest first); never secrets',
        params: IdParams,
        query: AuditQuery,
        response: pageOf(AuditEntry, 'AuditPage'),
      },
      ({ params, query }) => integrationAudit(db, params.id, splitPage(query)[1]),
    );
    r.route(
      {
        method: 'post',
        path: '/account-filter/check',
        summary: 'Check an account filter (the error with its position), optionally against one account',
        body: FilterCheckBody,
        response: FilterCheckResponse,
      },
      ({ body }) => checkAccountFilter(db, body.expression, body.accountId),
    );
    return r.router;
  };
}
