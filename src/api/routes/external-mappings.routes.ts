import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors';
import { ExternalTableSchema, M3terEntitySchema } from '../../domain/external-mapping';
import { DestinationSchema } from '../../domain/integration-settings';
import * as mappings from '../../settings/external-mappings';
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

export const ExternalMappingResponse = z
  .object({
    id: z.string(),
    m3terEntity: M3terEntitySchema,
    m3terId: z.string(),
    externalSystem: DestinationSchema,
    externalTable: ExternalTableSchema,
    externalId: z.string(),
    integrationConfigId: z.string().nullable(),
    version: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'ExternalMapping' });
const MappingPage = pageOf(ExternalMappingResponse, 'ExternalMappingPage');

const Id = z.string().trim().min(1).max(200);
const mappingFields = {
  m3terEntity: M3terEntitySchema,
  m3terId: Id,
  externalSystem: DestinationSchema,
  externalTable: ExternalTableSchema.optional().describe(
    'Customer for Accounts, Item otherwise (the default)',
  ),
  externalId: Id,
  integrationConfigId: z.string().min(1).nullish().describe('Set = linked to that integration'),
};
const CreateMappingBody = z.strictObject(mappingFields).meta({ id: 'CreateExternalMapping' });
const ReplaceMappingBody = z
  .strictObject({ ...mappingFields, version: Version })
  .meta({ id: 'ReplaceExternalMapping' });

const filterFields = {
  m3terEntity: M3terEntitySchema.optional(),
  m3terId: z.string().optional(),
  externalSystem: DestinationSchema.optional(),
  externalTable: ExternalTableSchema.optional(),
  externalId: z.string().optional(),
};
const ListQuery = z.strictObject({
  ...filterFields,
  integrationConfigId: z.string().optional(),
  linked: QueryBoolean.optional().describe('true: linked mappings only; false: unlinked only'),
  ...PageQuery,
});
const LinkedListQuery = z.strictObject({ ...filterFields, ...PageQuery });
const ByM3terParams = z.object({ m3terEntity: M3terEntitySchema, m3terId: z.string().min(1) });
const ByExternalParams = z.object({
  externalSystem: DestinationSchema,
  externalTable: ExternalTableSchema,
  externalId: z.string().min(1),
});
const LookupQuery = z.strictObject({ ...PageQuery });
const ResolveQuery = z.strictObject({ m3terEntity: M3terEntitySchema, m3terId: z.string().min(1) });

export function externalMappingsRouter(deps: SettingsDeps): (registry: OpenAPIRegistry) => Router {
  const { db, logger } = deps;
  return (registry) => {
    const r = routes(registry, 'External mappings', logger);
    r.route(
      {
        method: 'post',
        path: '/external-mappings',
        summary: 'Create a mapping (409 naming the existing one on a duplicate)',
        body: CreateMappingBody,
        status: 201,
        response: ExternalMappingResponse,
        audit: 'external mapping created',
      },
      ({ body }) => mappings.createMapping(db, body),
    );
    r.route(
      {
        method: 'get',
        path: '/external-mappings',
        summary: 'List mappings',
        query: ListQuery,
        response: MappingPage,
      },
      ({ query }) => mappings.listMappings(db, ...splitPage(query)),
    );
    r.route(
      {
        method: 'get',
        path: '/external-mappings/{id}',
        summary: 'Read a mapping',
        params: IdParams,
        response: ExternalMappingResponse,
      },
      ({ params }) => mappings.getMapping(db, params.id),
    );
    r.route(
      {
        method: 'put',
        path: '/external-mappings/{id}',
        summary: 'Replace a mapping',
        params: IdParams,
        body: ReplaceMappingBody,
        response: ExternalMappingResponse,
        audit: 'external mapping replaced',
      },
      ({ params, body }) => {
        const { version, ...input } = body;
        return mappings.replaceMapping(db, params.id, version, input);
      },
    );
    r.route(
      {
        method: 'delete',
        path: '/external-mappings/{id}',
        summary: 'Delete a mapping',
        params: IdParams,
        query: OptionalVersionQuery,
        status: 204,
        audit: 'external mapping deleted',
      },
      ({ params, query }) => mappings.deleteMapping(db, params.id, query.version),
    );
    r.route(
      {
        method: 'get',
        path: '/external-mappings/m3ter/{m3terEntity}/{m3terId}',
        summary: 'Every mapping of one m3ter entity',
        params: ByM3terParams,
        query: LookupQuery,
        response: MappingPage,
      },
      ({ params, query }) => mappings.listMappings(db, params, query),
    );
    r.route(
      {
        method: 'get',
        path: '/external-mappings/external/{externalSystem}/{externalTable}/{externalId}',
        summary: 'Reverse lookup: the mappings to one QuickBooks entity',
        params: ByExternalParams,
        query: LookupQuery,
        response: MappingPage,
      },
      ({ params, query }) => mappings.listMappings(db, params, query),
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/external-mappings',
        summary: 'The mappings linked to an integration',
        params: IdParams,
        query: LinkedListQuery,
        response: MappingPage,
      },
      ({ params, query }) => mappings.listLinkedMappings(db, params.id, ...splitPage(query)),
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/external-mappings/resolve',
        summary: 'The mapping that counts for this integration (spec §5.1), or 404',
        params: IdParams,
        query: ResolveQuery,
        response: ExternalMappingResponse,
      },
      async ({ params, query }) => {
        const found = await mappings.resolveMappingForIntegration(db, params.id, query);
        if (!found) throw new NotFoundError(`ExternalMapping for ${query.m3terEntity}`, query.m3terId);
        return found;
      },
    );
    return r.router;
  };
}
