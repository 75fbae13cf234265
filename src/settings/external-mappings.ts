import { ValidationError } from '../domain/errors';
import {
  externalTableFor,
  resolveMapping,
  type ExternalMapping,
  type ExternalTable,
  type M3terEntity,
} from '../domain/external-mapping';
import type { Destination } from '../domain/integration-settings';
import { orNotFound, type Page, type PageRequest, type Queryable } from '../db/repositories/common';
import * as repo from '../db/repositories/external-mappings';
import { findIntegration } from '../db/repositories/integrations';
import { getIntegration } from './integrations';

/** External mapping use cases (spec §3.3, §5.1). */

export interface MappingInput {
  m3terEntity: M3terEntity;
  m3terId: string;
  externalSystem: Destination;
  /** Defaults to `Customer` for Accounts, `Item` otherwise; any other value is rejected. */
  externalTable?: ExternalTable;
  externalId: string;
  integrationConfigId?: string | null;
}

export type MappingFilter = repo.MappingFilter;

/** Checks the table against the entity and the linked integration (must exist, same external system). */
async function validated(q: Queryable, input: MappingInput): Promise<repo.ExternalMappingInput> {
  const expectedTable = externalTableFor(input.m3terEntity);
  const externalTable = input.externalTable ?? expectedTable;
  if (externalTable !== expectedTable) {
    throw ValidationError.field(
      'externalTable',
      `must be ${expectedTable} for ${input.m3terEntity} mappings (got ${externalTable})`,
    );
  }
  const integrationConfigId = input.integrationConfigId ?? null;
  if (integrationConfigId !== null) {
    const integration = await findIntegration(q, integrationConfigId);
    if (!integration)
      throw ValidationError.field('integrationConfigId', `unknown integration ${integrationConfigId}`);
    if (integration.destination !== input.externalSystem) {
      throw ValidationError.field(
        'integrationConfigId',
        `integration ${integrationConfigId} targets ${integration.destination}, the mapping is for ${input.externalSystem}`,
      );
    }
  }
  return { ...input, externalTable, integrationConfigId };
}

export async function createMapping(q: Queryable, input: MappingInput): Promise<ExternalMapping> {
  return repo.insertMapping(q, await validated(q, input));
}

export async function getMapping(q: Queryable, id: string): Promise<ExternalMapping> {
  return orNotFound('ExternalMapping', id, repo.findMapping(q, id));
}

export async function replaceMapping(
  q: Queryable,
  id: string,
  expectedVersion: number,
  input: MappingInput,
): Promise<ExternalMapping> {
  await getMapping(q, id);
  return repo.updateMapping(q, id, expectedVersion, await validated(q, input));
}

/** Deletes the mapping; returns what it was (for the audit: the integration it was linked to). */
export async function deleteMapping(
  q: Queryable,
  id: string,
  expectedVersion?: number,
): Promise<ExternalMapping | null> {
  const found = await repo.findMapping(q, id);
  await repo.deleteMapping(q, id, expectedVersion);
  return found;
}

export async function listMappings(
  q: Queryable,
  filter: MappingFilter,
  page: PageRequest,
): Promise<Page<ExternalMapping>> {
  return repo.listMappings(q, filter, page);
}

/** The mappings linked to one integration (404 for an unknown integration). */
export async function listLinkedMappings(
  q: Queryable,
  integrationId: string,
  filter: Omit<MappingFilter, 'integrationConfigId'>,
  page: PageRequest,
): Promise<Page<ExternalMapping>> {
  await getIntegration(q, integrationId);
  return repo.listMappings(q, { ...filter, integrationConfigId: integrationId }, page);
}

/**
 * The mapping that counts for this integration (spec §5.1): same external system as its destination;
 * linked to it wins; unlinked only without `enforceExternalMappingsForConfig`; others' never. Null = none.
 */
export async function resolveMappingForIntegration(
  q: Queryable,
  integrationId: string,
  ref: { m3terEntity: M3terEntity; m3terId: string },
): Promise<ExternalMapping | null> {
  const integration = await getIntegration(q, integrationId);
  const candidates = await repo.findMappingCandidates(q, { ...ref, externalSystem: integration.destination });
  return (
    resolveMapping(candidates, {
      integrationId: integration.id,
      destination: integration.destination,
      enforceExternalMappingsForConfig: integration.enforceExternalMappingsForConfig,
    }) ?? null
  );
}

/**
 * Records a link found or made by the sync (e.g. a QuickBooks customer matched by name) as a mapping
 * linked to the integration. Idempotent: when the key is already taken, the stored mapping is kept and
 * returned with `created: false`.
 */
export async function recordLinkedMapping(
  q: Queryable,
  input: {
    integrationId: string;
    m3terEntity: M3terEntity;
    m3terId: string;
    externalSystem: Destination;
    externalId: string;
  },
): Promise<{ mapping: ExternalMapping; created: boolean }> {
  return repo.ensureMapping(q, {
    m3terEntity: input.m3terEntity,
    m3terId: input.m3terId,
    externalSystem: input.externalSystem,
    externalTable: externalTableFor(input.m3terEntity),
    externalId: input.externalId,
    integrationConfigId: input.integrationId,
  });
}
