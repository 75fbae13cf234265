import { z } from 'zod';
import { DestinationSchema, type Destination } from './integration-settings';

export const M3TER_ENTITIES = [
  'Account',
  'Product',
  'Aggregation',
  'CompoundAggregation',
  'PricingBand',
] as const;
export const M3terEntitySchema = z.enum(M3TER_ENTITIES);
export type M3terEntity = z.infer<typeof M3terEntitySchema>;

export const ExternalTableSchema = z.enum(['Customer', 'Item']);
export type ExternalTable = z.infer<typeof ExternalTableSchema>;

/** `Customer` for Accounts, `Item` for everything else. */
export function externalTableFor(entity: M3terEntity): ExternalTable {
  return entity === 'Account' ? 'Customer' : 'Item';
}

export interface ExternalMapping {
  id: string;
  m3terEntity: M3terEntity;
  m3terId: string;
  externalSystem: Destination;
  externalTable: ExternalTable;
  externalId: string;
  /** Set = a mapping linked to that integration. */
  integrationConfigId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface MappingScope {
  integrationId: string;
  destination: Destination;
  enforceExternalMappingsForConfig: boolean;
}

/**
 * The resolution rule of spec §5.1, for the candidate mappings of one (entity, m3ter id):
 * the external system must match the destination; mappings linked to other integrations never count;
 * with `enforceExternalMappingsForConfig` only mappings linked to this integration count; otherwise a
 * linked mapping wins over an unlinked one.
 */
export function resolveMapping<M extends Pick<ExternalMapping, 'externalSystem' | 'integrationConfigId'>>(
  candidates: readonly M[],
  scope: MappingScope,
): M | undefined {
  const sameSystem = candidates.filter((m) => m.externalSystem === scope.destination);
  const linked = sameSystem.find((m) => m.integrationConfigId === scope.integrationId);
  if (linked || scope.enforceExternalMappingsForConfig) return linked;
  // `== null`: a mapping read from JSON may carry no key at all rather than null.
  return sameSystem.find((m) => m.integrationConfigId == null);
}

export { DestinationSchema };
