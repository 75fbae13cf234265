import { z } from 'zod';
import {
  AccountSchema,
  AggregationSchema,
  CompoundAggregationSchema,
  OrgUserSchema,
  ProductSchema,
  type Account,
  type Aggregation,
  type CompoundAggregation,
  type OrgUser,
  type Product,
} from '../domain/m3ter';
import { orNotFound, type Page, type PageRequest, type Queryable } from '../db/repositories/common';
import {
  deleteM3terObject,
  existingM3terIds,
  findM3terObject,
  listM3terObjects,
  upsertM3terObject,
  type DeleteOutcome,
  type M3terObjectKind,
  type UpsertOutcome,
} from '../db/repositories/m3ter-objects';

/**
 * m3ter reference data (spec §3.4): the REST API and the m3ter configuration webhooks
 * (`configuration.account.created/updated/deleted`, …) feed the same functions.
 */

/** The organization config as m3ter sends it; we need its default currency. */
export const OrganizationConfigSchema = z.looseObject({
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code'),
  version: z.number().int().nullish(),
});
export type OrganizationConfig = z.infer<typeof OrganizationConfigSchema>;

const ORGANIZATION_ID = 'organization';

interface Versioned {
  id: string;
  code?: string | null;
  name?: string | null;
  version?: number | null;
}

/** One kind of reference object: its store kind, its schema and how it is named in the API. */
export interface ReferenceKind<T extends Versioned> {
  kind: M3terObjectKind;
  /** URL segment: /reference/{path}/{id} */
  path: string;
  schema: z.ZodType<T>;
  nameOf(object: T): string | null;
}

function kind<T extends Versioned>(
  k: M3terObjectKind,
  path: string,
  schema: z.ZodType<T>,
  nameOf: (o: T) => string | null = (o) => o.name ?? null,
): ReferenceKind<T> {
  return { kind: k, path, schema, nameOf };
}

export const ACCOUNTS = kind<Account>('Account', 'accounts', AccountSchema);
export const PRODUCTS = kind<Product>('Product', 'products', ProductSchema);
export const AGGREGATIONS = kind<Aggregation>('Aggregation', 'aggregations', AggregationSchema);
export const COMPOUND_AGGREGATIONS = kind<CompoundAggregation>(
  'CompoundAggregation',
  'compound-aggregations',
  CompoundAggregationSchema,
);
export const ORG_USERS = kind<OrgUser & { version?: number | null }>(
  'OrgUser',
  'users',
  OrgUserSchema,
  (u) => u.name ?? ([u.firstName, u.lastName].filter(Boolean).join(' ') || null),
);

export const REFERENCE_KINDS = [ACCOUNTS, PRODUCTS, AGGREGATIONS, COMPOUND_AGGREGATIONS, ORG_USERS] as const;

/** Stored under a fixed id: there is one organization. */
const ORGANIZATION = kind<OrganizationConfig & { id: string }>(
  'OrganizationConfig',
  'organization',
  OrganizationConfigSchema.extend({ id: z.string() }),
  () => null,
);

export interface ReferenceUpsertResult<T> {
  applied: boolean;
  reason?: 'stale version';
  created?: boolean;
  /** m3ter's version now stored. */
  storedVersion: number | null;
  /** The stored object after the call (null when none is stored). */
  object: T | null;
}

/** Upsert by id; an object older than the stored one (m3ter's `version`) is not applied. */
export async function upsertReferenceObject<T extends Versioned>(
  q: Queryable,
  k: ReferenceKind<T>,
  object: T,
): Promise<ReferenceUpsertResult<T>> {
  const outcome: UpsertOutcome = await upsertM3terObject(q, k.kind, {
    id: object.id,
    code: object.code ?? null,
    name: k.nameOf(object),
    data: object as unknown as Record<string, unknown>,
    version: object.version ?? null,
  });
  if (outcome.applied) {
    return {
      applied: true,
      created: outcome.created,
      storedVersion: outcome.object.m3terVersion,
      object: k.schema.parse(outcome.object.data),
    };
  }
  return {
    applied: false,
    reason: outcome.reason,
    storedVersion: outcome.storedVersion,
    object: outcome.object ? k.schema.parse(outcome.object.data) : null,
  };
}

export async function getReferenceObject<T extends Versioned>(
  q: Queryable,
  k: ReferenceKind<T>,
  id: string,
): Promise<T | null> {
  const stored = await findM3terObject(q, k.kind, id);
  return stored ? k.schema.parse(stored.data) : null;
}

/** As getReferenceObject, but an unknown id is a NotFoundError. */
export async function requireReferenceObject<T extends Versioned>(
  q: Queryable,
  k: ReferenceKind<T>,
  id: string,
): Promise<T> {
  return orNotFound(k.kind, id, getReferenceObject(q, k, id));
}

export async function listReferenceObjects<T extends Versioned>(
  q: Queryable,
  k: ReferenceKind<T>,
  filter: { code?: string },
  page: PageRequest,
): Promise<Page<T>> {
  const result = await listM3terObjects(q, k.kind, filter, page);
  return { ...result, data: result.data.map((o) => k.schema.parse(o.data)) };
}

/** Deletes (tombstone). `version` = m3ter's version of the deleted object, when known (webhooks). */
export async function deleteReferenceObject<T extends Versioned>(
  q: Queryable,
  k: ReferenceKind<T>,
  id: string,
  version?: number | null,
): Promise<DeleteOutcome> {
  return deleteM3terObject(q, k.kind, id, version);
}

/** The ids among `ids` not known (live) as any of `kinds`, in input order, without repeats. */
export async function unknownReferenceIds(
  q: Queryable,
  kinds: readonly ReferenceKind<Versioned>[],
  ids: readonly string[],
): Promise<string[]> {
  const unique = [...new Set(ids)];
  const known = await existingM3terIds(
    q,
    kinds.map((k) => k.kind),
    unique,
  );
  return unique.filter((id) => !known.has(id));
}

export async function upsertOrganizationConfig(
  q: Queryable,
  config: OrganizationConfig,
): Promise<ReferenceUpsertResult<OrganizationConfig>> {
  return upsertReferenceObject(q, ORGANIZATION, { ...config, id: ORGANIZATION_ID });
}

export async function getOrganizationConfig(q: Queryable): Promise<OrganizationConfig | null> {
  const stored = await getReferenceObject(q, ORGANIZATION, ORGANIZATION_ID);
  if (!stored) return null;
  const { id: _id, ...config } = stored;
  return config;
}

/** The organization's default currency (ISO code), or null when m3ter has not told us yet. */
export async function getOrganizationCurrency(q: Queryable): Promise<string | null> {
  return (await getOrganizationConfig(q))?.currency ?? null;
}
