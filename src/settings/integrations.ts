import { parseAccountFilter } from '../domain/account-filter';
import { ValidationError, type FieldIssue } from '../domain/errors';
import type { Destination, Integration, IntegrationSettings } from '../domain/integration-settings';
import { orNotFound, type Page, type PageRequest, type Queryable } from '../db/repositories/common';
import { findCredential } from '../db/repositories/credentials';
import * as repo from '../db/repositories/integrations';
import {
  ACCOUNTS,
  AGGREGATIONS,
  COMPOUND_AGGREGATIONS,
  ORG_USERS,
  PRODUCTS,
  unknownReferenceIds,
} from './reference-data';

/**
 * Integration use cases (spec §3.1): every write is validated here — notification users must exist,
 * the account filter must parse, an attached credential must target the same destination — and ids
 * of accounts, products and aggregations we do not know yet come back as warnings.
 */

export interface SettingsWarning {
  field: string;
  message: string;
}

export interface IntegrationWriteResult {
  integration: Integration;
  warnings: SettingsWarning[];
}

export type IntegrationFilter = repo.IntegrationFilter;

export async function getIntegration(q: Queryable, id: string): Promise<Integration> {
  return orNotFound('Integration', id, repo.findIntegration(q, id));
}

export async function listIntegrations(
  q: Queryable,
  filter: IntegrationFilter,
  page: PageRequest,
): Promise<Page<Integration>> {
  return repo.listIntegrations(q, filter, page);
}

export async function createIntegration(
  q: Queryable,
  input: { settings: IntegrationSettings; enabled: boolean; credentialId: string | null },
): Promise<IntegrationWriteResult> {
  const settings = normalize(input.settings);
  const warnings = await validateSettings(q, settings, input.credentialId);
  const integration = await repo.insertIntegration(q, settings, {
    enabled: input.enabled,
    credentialId: input.credentialId,
  });
  return { integration, warnings };
}

/** Replaces every setting (PUT). Settings left out of the input take their defaults. */
export async function replaceIntegrationSettings(
  q: Queryable,
  id: string,
  expectedVersion: number,
  settings: IntegrationSettings,
): Promise<IntegrationWriteResult> {
  const current = await getIntegration(q, id);
  const normalized = normalize(settings);
  const warnings = await validateSettings(q, normalized, current.credentialId);
  const integration = await repo.updateIntegrationSettings(q, id, expectedVersion, normalized);
  return { integration, warnings };
}

/** Changes only the settings given (PATCH); the result is validated as a whole. */
export async function patchIntegrationSettings(
  q: Queryable,
  id: string,
  expectedVersion: number,
  patch: Partial<IntegrationSettings>,
): Promise<IntegrationWriteResult> {
  const current = await getIntegration(q, id);
  const merged: IntegrationSettings = { ...settingsOf(current) };
  for (const [key, value] of Object.entries(patch) as Array<[keyof IntegrationSettings, unknown]>) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return replaceIntegrationSettings(q, id, expectedVersion, merged);
}

export async function enableIntegration(
  q: Queryable,
  id: string,
  options: { version?: number } = {},
): Promise<Integration> {
  return repo.enableIntegration(q, id, options.version);
}

/** Disables (by an operator, or automatically after repeated failures); `changed` is true only when it was enabled. */
export async function disableIntegration(
  q: Queryable,
  id: string,
  options: { reason?: string | null; version?: number } = {},
): Promise<{ integration: Integration; changed: boolean }> {
  return repo.disableIntegration(q, id, { reason: options.reason ?? null, expectedVersion: options.version });
}

/** Connect / change credential: the credential must exist and target the integration's destination. */
export async function connectCredential(
  q: Queryable,
  id: string,
  credentialId: string,
  expectedVersion: number,
): Promise<Integration> {
  const integration = await getIntegration(q, id);
  const issue = await credentialIssue(q, credentialId, integration.destination, 'credentialId');
  if (issue) throw new ValidationError(`${issue.field}: ${issue.message}`, [issue]);
  return repo.setIntegrationCredential(q, id, credentialId, expectedVersion);
}

export async function disconnectCredential(
  q: Queryable,
  id: string,
  expectedVersion?: number,
): Promise<Integration> {
  return repo.setIntegrationCredential(q, id, null, expectedVersion);
}

export async function deleteIntegration(q: Queryable, id: string, expectedVersion?: number): Promise<void> {
  await repo.deleteIntegration(q, id, expectedVersion);
}

/** The settings part of an integration (without id, state and timestamps). */
export function settingsOf(integration: Integration): IntegrationSettings {
  const {
    id: _id,
    enabled: _enabled,
    credentialId: _credentialId,
    connectionStatus: _connectionStatus,
    disabledAt: _disabledAt,
    disabledReason: _disabledReason,
    consecutiveFailures: _consecutiveFailures,
    version: _version,
    createdAt: _createdAt,
    updatedAt: _updatedAt,
    ...settings
  } = integration;
  return settings;
}

function normalize(settings: IntegrationSettings): IntegrationSettings {
  const filter = settings.accountFilter?.trim() ? settings.accountFilter : null;
  return { ...settings, accountFilter: filter };
}

/** Throws ValidationError naming every bad field; returns warnings for ids not (yet) known locally. */
async function validateSettings(
  q: Queryable,
  settings: IntegrationSettings,
  credentialId: string | null,
): Promise<SettingsWarning[]> {
  const issues: FieldIssue[] = [];
  if (settings.accountFilter !== null) {
    const parsed = parseAccountFilter(settings.accountFilter);
    if (!parsed.ok) {
      const { position, expected, message } = parsed.error;
      const issue: FieldIssue & { position: number; expected: string } = {
        field: 'accountFilter',
        message,
        position,
        expected,
      };
      issues.push(issue);
    }
  }
  const unknownUsers = await unknownReferenceIds(
    q,
    [ORG_USERS],
    settings.integrationDisabledNotificationUserIds,
  );
  if (unknownUsers.length > 0) {
    const issue: FieldIssue & { unknownIds: string[] } = {
      field: 'integrationDisabledNotificationUserIds',
      message: `unknown user id(s): ${unknownUsers.join(', ')}`,
      unknownIds: unknownUsers,
    };
    issues.push(issue);
  }
  if (credentialId !== null) {
    const issue = await credentialIssue(q, credentialId, settings.destination, 'destination');
    if (issue) issues.push(issue);
  }
  if (issues.length > 0) {
    throw new ValidationError(
      `Invalid integration settings: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      issues,
    );
  }

  const warnings: SettingsWarning[] = [];
  const checks = [
    { field: 'accountIds', kinds: [ACCOUNTS], label: 'account' },
    { field: 'restrictedAccountIds', kinds: [ACCOUNTS], label: 'account' },
    { field: 'excludedProductIds', kinds: [PRODUCTS], label: 'product' },
    { field: 'excludedAggregationIds', kinds: [AGGREGATIONS, COMPOUND_AGGREGATIONS], label: 'aggregation' },
  ] as const;
  for (const check of checks) {
    const unknown = await unknownReferenceIds(q, check.kinds, settings[check.field]);
    if (unknown.length > 0)
      warnings.push({ field: check.field, message: `unknown ${check.label} id(s): ${unknown.join(', ')}` });
  }
  return warnings;
}

async function credentialIssue(
  q: Queryable,
  credentialId: string,
  destination: Destination,
  field: string,
): Promise<FieldIssue | null> {
  const credential = await findCredential(q, credentialId);
  if (!credential) return { field: 'credentialId', message: `unknown credential ${credentialId}` };
  if (credential.destination !== destination) {
    return {
      field,
      message: `credential ${credentialId} is for ${credential.destination}, the integration targets ${destination}`,
    };
  }
  return null;
}
