import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../domain/errors';
import * as reference from '../../settings/reference-data';
import type { SettingsDeps } from './deps';
import { assertPgInteger, PG_INTEGER } from '../../domain/validation';
import { PageQuery, pageOf, routes, splitPage, type Routes } from './route-kit';

/**
 * m3ter reference data: upsert by id (body = the object as m3ter sends it), read, list, delete.
 * An object older than the stored one (m3ter's `version`) is not applied: `{"applied": false, "reason": "stale version"}`.
 */

const Params = z.object({ id: z.string().min(1).max(200) });
const ListQuery = z.strictObject({ code: z.string().optional(), ...PageQuery });
const DeleteQuery = z.strictObject({
  version: z.coerce
    .number()
    .int()
    .min(PG_INTEGER.min)
    .max(PG_INTEGER.max)
    .optional()
    .describe("m3ter's version of the deleted object; an older delete than stored is not applied"),
});

function upsertResult(name: string, object: z.ZodType) {
  return z
    .object({
      applied: z.boolean(),
      reason: z.literal('stale version').optional(),
      created: z.boolean().optional(),
      storedVersion: z.number().int().nullable().describe("m3ter's version now stored"),
      object: z.union([object, z.null()]),
    })
    .meta({ id: `${name}Upsert` });
}

const DeleteResult = z
  .object({
    applied: z.boolean(),
    reason: z.enum(['not found', 'stale version']).optional(),
    storedVersion: z.number().int().nullish(),
  })
  .meta({ id: 'ReferenceDeleteResult' });

function referenceRoutes<
  T extends { id: string; code?: string | null; name?: string | null; version?: number | null },
>(r: Routes, db: SettingsDeps['db'], k: reference.ReferenceKind<T>): void {
  const base = `/reference/${k.path}`;
  const schema = (k.schema as z.ZodType).meta({ id: `m3ter${k.kind}` });
  r.route(
    {
      method: 'put',
      path: `${base}/{id}`,
      summary: `Upsert an m3ter ${k.kind} by id`,
      params: Params,
      body: schema,
      response: upsertResult(k.kind, schema),
    },
    ({ params, body }) => {
      const object = k.schema.parse(body);
      assertPgInteger(object.version, 'version');
      if (object.id !== params.id)
        throw ValidationError.field('id', `must equal the id in the path (${params.id})`);
      return reference.upsertReferenceObject(db, k, object);
    },
  );
  r.route(
    {
      method: 'get',
      path: `${base}/{id}`,
      summary: `Read an m3ter ${k.kind}`,
      params: Params,
      response: schema,
    },
    ({ params }) => reference.requireReferenceObject(db, k, params.id),
  );
  r.route(
    {
      method: 'get',
      path: base,
      summary: `List m3ter ${k.kind} objects`,
      query: ListQuery,
      response: pageOf(schema, `m3ter${k.kind}Page`),
    },
    ({ query }) => reference.listReferenceObjects(db, k, ...splitPage(query)),
  );
  r.route(
    {
      method: 'delete',
      path: `${base}/{id}`,
      summary: `Delete an m3ter ${k.kind}`,
      params: Params,
      query: DeleteQuery,
      response: DeleteResult,
    },
    async ({ params, query }) => {
      const outcome = await reference.deleteReferenceObject(db, k, params.id, query.version);
      // With a version, a delete of an unknown object leaves a tombstone (answered as `applied: false`); without, nothing.
      if (!outcome.applied && outcome.reason === 'not found' && query.version === undefined)
        throw new NotFoundError(k.kind, params.id);
      return outcome;
    },
  );
}

export function referenceDataRouter(deps: SettingsDeps): (registry: OpenAPIRegistry) => Router {
  const { db } = deps;
  return (registry) => {
    const r = routes(registry, 'm3ter reference data');
    referenceRoutes(r, db, reference.ACCOUNTS);
    referenceRoutes(r, db, reference.PRODUCTS);
    referenceRoutes(r, db, reference.AGGREGATIONS);
    referenceRoutes(r, db, reference.COMPOUND_AGGREGATIONS);
    referenceRoutes(r, db, reference.ORG_USERS);

    const Organization = reference.OrganizationConfigSchema.meta({ id: 'm3terOrganizationConfig' });
    r.route(
      {
        method: 'put',
        path: '/reference/organization',
        summary: 'Store the organization config (its default currency); older m3ter versions are ignored',
        body: Organization,
        response: upsertResult('OrganizationConfig', Organization),
      },
      ({ body }) => {
        assertPgInteger(body.version, 'version');
        return reference.upsertOrganizationConfig(db, body);
      },
    );
    r.route(
      {
        method: 'get',
        path: '/reference/organization',
        summary: 'Read the organization config',
        response: Organization,
      },
      async () => {
        const config = await reference.getOrganizationConfig(db);
        if (!config) throw new NotFoundError('OrganizationConfig', 'organization');
        return config;
      },
    );
    return r.router;
  };
}
