import { parseAccountFilter } from '../domain/account-filter';
import { ValidationError, type FieldIssue } from '../domain/errors';
import type { Destination, Integration, IntegrationSettings } from '../domain/integration-settings';
import { orNotFound, type Page, type PageRequest, type Queryable } from '../db/repositories/common';
import { findCredential } from '../db/repositories/credentials';
import * as repo from '../db/repositories/integrations';
import type { CachedKind, ReferenceCache } from './reference-cache';
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

/** What follows an integration's life outside this table (the missed-webhook sweep's schedule). */
export interface IntegrationListener {
  created(integrationId: string): Promise<void>;
  deleted(integrationId: string): Promise<void>;
}

export interface IntegrationWriteDeps {
  db: Queryable;
  /** m3ter's users, accounts, products and aggregations, read when a setting names one not stored yet. */
  reference?: ReferenceCache;
  listener?: IntegrationListener;
}

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
  deps: IntegrationWriteDeps,
  input: { settings: IntegrationSettings; enabled: boolean; credentialId: string | null },
): Promise<IntegrationWriteResult> {
  const settings = normalize(input.settings);
  const warnings = await validateSettings(deps, settings, input.credentialId);
  const integration = await repo.insertIntegration(deps.db, settings, {
    enabled: input.enabled,
    credentialId: input.credentialId,
  });
  await deps.listener?.created(integration.id);
  return { integration, warnings };
}

/** Replaces every setting (PUT). Settings left out of the input take their defaults. */
export async function replaceIntegrationSettings(
  deps: IntegrationWriteDeps,
  id: string,
  expectedVersion: number,
  settings: IntegrationSettings,
): Promise<IntegrationWriteResult> {
  const current = await getIntegration(deps.db, id);
  const normalized = normalize(settings);
  const warnings = await validateSettings(deps, normalized, current.credentialId);
  const integration = await repo.updateIntegrationSettings(deps.db, id, expectedVersion, normalized);
  return { integration, warnings };
}

/** Changes only the settings given (PATCH); the result is validated as a whole. */
export async function patchIntegrationSettings(
  deps: IntegrationWriteDeps,
  id: string,
  expectedVersion: number,
  patch: Partial<IntegrationSettings>,
): Promise<IntegrationWriteResult> {
  const current = await getIntegration(deps.db, id);
  const merged: IntegrationSettings = { ...settingsOf(current) };
  for (const [key, value] of Object.entries(patch) as Array<[keyof IntegrationSettings, unknown]>) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return replaceIntegrationSettings(deps, id, expectedVersion, merged);
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

export async function deleteIntegration(
  deps: IntegrationWriteDeps,
  id: string,
  expectedVersion?: number,
): Promise<void> {
  await repo.deleteIntegration(deps.db, id, expectedVersion);
  await deps.listener?.deleted(id);
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
  deps: IntegrationWriteDeps,
  settings: IntegrationSettings,
  credentialId: string | null,
): Promise<SettingsWarning[]> {
  const q = deps.db;
  await readFromM3ter(deps.reference, settings);
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

/**
 * Ids the settings name that are not stored yet are read from m3ter first (when it cannot answer, what is stored
 * counts). Ids m3ter does not have are not remembered: they come from a request, which may be rejected.
 */
async function readFromM3ter(
  reference: ReferenceCache | undefined,
  settings: IntegrationSettings,
): Promise<void> {
  if (!reference?.live) return;
  const refs: Array<{ kind: CachedKind; id: string }> = [
    ...settings.integrationDisabledNotificationUserIds.map((id) => ({ kind: 'OrgUser' as const, id })),
    ...[...settings.accountIds, ...settings.restrictedAccountIds].map((id) => ({
      kind: 'Account' as const,
      id,
    })),
    ...settings.excludedProductIds.map((id) => ({ kind: 'Product' as const, id })),
    ...settings.excludedAggregationIds.flatMap((id) => [
      { kind: 'Aggregation' as const, id },
      { kind: 'CompoundAggregation' as const, id },
    ]),
  ];
  await reference.ensure(refs, { recordAbsent: false }).catch(() => undefined);
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
