import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { DestinationSchema } from '../../domain/integration-settings';
import { CREDENTIAL_STATUSES, CredentialStatusSchema } from '../../domain/credential';
import * as credentials from '../../settings/credentials';
import type { SettingsDeps } from './deps';
import {
  IdParams,
  OptionalVersionQuery,
  PageQuery,
  Timestamp,
  Version,
  pageOf,
  routes,
  splitPage,
} from './route-kit';

/** No token field exists in any response schema: secrets never leave the service. */
export const CredentialResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    destination: DestinationSchema,
    realmId: z.string().nullable(),
    status: z.enum(CREDENTIAL_STATUSES),
    hasTokens: z.boolean(),
    accessTokenExpiresAt: Timestamp.nullable(),
    refreshTokenExpiresAt: Timestamp.nullable(),
    refreshTokenHardExpiresAt: Timestamp.nullable(),
    version: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Credential' });

const Name = z.string().trim().min(1).max(200);
const CreateCredentialBody = z
  .strictObject({ name: Name, destination: DestinationSchema })
  .meta({ id: 'CreateCredential' });
const UpdateCredentialBody = z
  .strictObject({ name: Name, version: Version })
  .meta({ id: 'UpdateCredential' });
const DateTime = z.iso.datetime({ offset: true });
const TokensBody = z
  .strictObject({
    realmId: z.string().trim().min(1).max(100),
    accessToken: z.string().min(1).max(10_000),
    refreshToken: z.string().min(1).max(10_000),
    accessTokenExpiresAt: DateTime,
    refreshTokenExpiresAt: DateTime,
    refreshTokenHardExpiresAt: DateTime.nullish(),
    version: Version.optional(),
  })
  .meta({ id: 'CredentialTokens' });

const ListQuery = z.strictObject({
  destination: DestinationSchema.optional(),
  status: CredentialStatusSchema.optional(),
  ...PageQuery,
});

export function credentialsRouter(deps: SettingsDeps): (registry: OpenAPIRegistry) => Router {
  const { db, secretBox, logger } = deps;
  return (registry) => {
    const r = routes(registry, 'Credentials', logger);
    r.route(
      {
        method: 'post',
        path: '/credentials',
        summary: 'Create a credential (PENDING_AUTHORIZATION)',
        body: CreateCredentialBody,
        status: 201,
        response: CredentialResponse,
        audit: 'credential created',
      },
      ({ body }) => credentials.createCredential(db, body),
    );
    r.route(
      {
        method: 'get',
        path: '/credentials',
        summary: 'List credentials',
        query: ListQuery,
        response: pageOf(CredentialResponse, 'CredentialPage'),
      },
      ({ query }) => credentials.listCredentials(db, ...splitPage(query)),
    );
    r.route(
      {
        method: 'get',
        path: '/credentials/{id}',
        summary: 'Read a credential (never its tokens)',
        params: IdParams,
        response: CredentialResponse,
      },
      ({ params }) => credentials.getCredential(db, params.id),
    );
    r.route(
      {
        method: 'put',
        path: '/credentials/{id}',
        summary: 'Rename a credential',
        params: IdParams,
        body: UpdateCredentialBody,
        response: CredentialResponse,
      },
      ({ params, body }) => credentials.renameCredential(db, params.id, body.version, body.name),
    );
    r.route(
      {
        method: 'delete',
        path: '/credentials/{id}',
        summary: 'Delete a credential (409 while an integration uses it)',
        params: IdParams,
        query: OptionalVersionQuery,
        status: 204,
        audit: 'credential deleted',
      },
      ({ params, query }) => credentials.deleteCredential(db, params.id, query.version),
    );
    r.route(
      {
        method: 'put',
        path: '/credentials/{id}/tokens',
        summary: 'Store tokens obtained elsewhere (encrypted at rest) → AUTHORIZED',
        params: IdParams,
        body: TokensBody,
        response: CredentialResponse,
        audit: 'credential tokens stored',
      },
      ({ params, body }) => {
        const { version, ...tokens } = body;
        return credentials.setCredentialTokens(
          db,
          secretBox,
          params.id,
          { ...tokens, refreshTokenHardExpiresAt: tokens.refreshTokenHardExpiresAt ?? null },
          version,
        );
      },
    );
    return r.router;
  };
}
