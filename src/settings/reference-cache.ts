import type { Queryable } from '../db/repositories/common';
import {
  deleteM3terObject,
  findM3terObject,
  findM3terObjectStates,
  markAbsentInM3ter,
  upsertM3terObject,
  type M3terObjectKind,
  type StoredM3terObject,
} from '../db/repositories/m3ter-objects';
import {
  AccountSchema,
  AggregationSchema,
  CompoundAggregationSchema,
  OrgUserSchema,
  ProductSchema,
  type Account,
} from '../domain/m3ter';
import type { Logger } from '../platform/logger';
import { M3terApiError } from '../m3ter/errors';
import type { M3terClient } from '../m3ter/client';

/**
 * m3ter reference data on demand (spec §3.4): accounts, products, aggregations, compound aggregations and
 * users are read from m3ter's API when first needed and kept in PostgreSQL for `ttlMs`; a `configuration.*`
 * event refreshes one at once. An object put through the reference-data API is an override: kept as it is,
 * never refreshed. Without an m3ter client (a deployment that runs from webhook bodies) only what is stored
 * counts.
 */
export interface ReferenceCacheDeps {
  db: Queryable;
  m3ter?: M3terClient;
  ttlMs: number;
  logger?: Logger;
  now?: () => number;
}

export type CachedKind = Exclude<M3terObjectKind, 'OrganizationConfig'>;

const SCHEMAS = {
  Account: AccountSchema,
  Product: ProductSchema,
  Aggregation: AggregationSchema,
  CompoundAggregation: CompoundAggregationSchema,
  OrgUser: OrgUserSchema,
} as const;

/** m3ter's list endpoints take at most this many ids per page. */
const IDS_PER_CALL = 100;

export interface ReferenceCache {
  /**
   * The account (fetched when unknown or stale), or null when m3ter has no such account. `known`: the account
   * as a query that read it anyway found it (the run's context), used when still fresh.
   */
  account(
    id: string,
    known?: { account: Account; state: Pick<StoredM3terObject, 'source' | 'fetchedAt'> } | null,
  ): Promise<Account | null>;
  /**
   * Makes sure these objects are stored and fresh (one m3ter call per kind and 100 ids at most) and returns
   * the names of those m3ter has, keyed `${kind}/${id}`. What m3ter does not have is remembered as absent for
   * `ttlMs` too, so a bill whose lines name unknown products costs no m3ter call each time.
   */
  ensure(
    refs: ReadonlyArray<{ kind: CachedKind; id: string }>,
    options?: { recordAbsent?: boolean },
  ): Promise<Map<string, string>>;
  /** Reads the object again from m3ter now (a `configuration.*` event said it changed). */
  refresh(kind: CachedKind, id: string): Promise<void>;
  /** m3ter deleted the object. */
  forget(kind: CachedKind, id: string, version?: number | null): Promise<void>;
  /** Whether objects are fetched from m3ter (false: only what is stored counts). */
  readonly live: boolean;
}

export function createReferenceCache(deps: ReferenceCacheDeps): ReferenceCache {
  const { db, m3ter } = deps;
  const now = deps.now ?? Date.now;
  const fresh = (stored: Pick<StoredM3terObject, 'source' | 'fetchedAt'>): boolean =>
    !m3ter ||
    stored.source === 'api' ||
    (stored.fetchedAt !== null && now() - Date.parse(stored.fetchedAt) < deps.ttlMs);

  /** Stores an object m3ter returned; its name, or undefined when it is not usable. */
  async function store(
    kind: CachedKind,
    object: Record<string, unknown> & { id?: string | null },
  ): Promise<string | undefined> {
    const named = withName(object);
    const parsed = SCHEMAS[kind].safeParse(named);
    if (!parsed.success || !named.id) {
      deps.logger?.warn(
        { kind, id: object.id, issue: parsed.error?.issues[0] },
        'm3ter object not usable; not stored',
      );
      return;
    }
    const { id, code, name, version } = parsed.data as {
      id: string;
      code?: string | null;
      name?: string | null;
      version?: number | null;
    };
    const existing = await findM3terObject(db, kind, id);
    if (existing?.source === 'api') return; // an override stays
    await upsertM3terObject(db, kind, {
      id,
      code,
      name: name ?? null,
      data: named,
      version,
      source: 'm3ter',
    });
  }

  async function fetchOne(kind: CachedKind, id: string): Promise<void> {
    if (!m3ter) return;
    try {
      const object =
        kind === 'Account'
          ? await m3ter.getAccount(id)
          : kind === 'Product'
            ? await m3ter.getProduct(id)
            : kind === 'Aggregation'
              ? await m3ter.getAggregation(id)
              : kind === 'CompoundAggregation'
                ? await m3ter.getCompoundAggregation(id)
                : await m3ter.getUser(id);
      await store(kind, { ...object, id: object.id ?? id });
    } catch (err) {
      if (err instanceof M3terApiError && err.status === 404) {
        await markAbsentInM3ter(db, kind, [id]);
        return;
      }
      throw err;
    }
  }

  /** Reads these from m3ter (by 100); returns the names of those it has. Never touches an override. */
  async function fetchMany(
    kind: CachedKind,
    ids: readonly string[],
    recordAbsent: boolean,
  ): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (!m3ter || ids.length === 0) return names;
    for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
      const batch = ids.slice(i, i + IDS_PER_CALL);
      const params = { ids: batch, pageSize: batch.length };
      const page =
        kind === 'Account'
          ? await m3ter.listAccounts(params)
          : kind === 'Product'
            ? await m3ter.listProducts(params)
            : kind === 'Aggregation'
              ? await m3ter.listAggregations(params)
              : kind === 'CompoundAggregation'
                ? await m3ter.listCompoundAggregations(params)
                : await m3ter.listUsers(params);
      const found = new Set<string>();
      for (const object of page.data) {
        const name = await store(kind, object);
        if (typeof object.id === 'string') found.add(object.id);
        if (name !== undefined && typeof object.id === 'string') names.set(object.id, name);
      }
      if (recordAbsent)
        await markAbsentInM3ter(
          db,
          kind,
          batch.filter((id) => !found.has(id)),
        );
    }
    return names;
  }

  return {
    live: m3ter !== undefined,
    async account(id, known) {
      if (known && known.account.id === id && fresh(known.state)) return known.account;
      let stored = await findM3terObject(db, 'Account', id);
      if (!stored || !fresh(stored)) {
        await fetchOne('Account', id);
        stored = await findM3terObject(db, 'Account', id);
      }
      const parsed = stored ? AccountSchema.safeParse(stored.data) : undefined;
      return parsed?.success ? parsed.data : null;
    },
    async ensure(refs, { recordAbsent = true } = {}) {
      const names = new Map<string, string>();
      if (refs.length === 0) return names;
      const states = await findM3terObjectStates(db, refs);
      const due = new Map<CachedKind, Set<string>>();
      for (const { kind, id } of refs) {
        const state = states.get(`${kind}/${id}`);
        if (state && fresh(state)) {
          if (!state.absent && state.name !== null) names.set(`${kind}/${id}`, state.name);
        } else if (m3ter) due.set(kind, (due.get(kind) ?? new Set()).add(id));
      }
      for (const [kind, ids] of due)
        for (const [id, name] of await fetchMany(kind, [...ids], recordAbsent))
          names.set(`${kind}/${id}`, name);
      return names;
    },
    async refresh(kind, id) {
      const stored = await findM3terObject(db, kind, id);
      if (stored?.source !== 'api') await fetchOne(kind, id);
    },
    async forget(kind, id, version) {
      const stored = await findM3terObject(db, kind, id);
      if (stored?.source === 'api') return;
      await deleteM3terObject(db, kind, id, version);
    },
  };
}

/** Our schemas need a name; m3ter's types make it optional: the code, else the id, stands in. */
function withName(object: Record<string, unknown>): Record<string, unknown> {
  const name = typeof object.name === 'string' && object.name.trim() ? object.name : undefined;
  if (name) return object;
  const fallback =
    [object.code, [object.firstName, object.lastName].filter(Boolean).join(' '), object.id].find(
      (v): v is string => typeof v === 'string' && v.trim() !== '',
    ) ?? 'unnamed';
  return { ...object, name: fallback };
}
