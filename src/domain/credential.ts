import { z } from 'zod';
import type { Destination } from './integration-settings';

export const CREDENTIAL_STATUSES = ['PENDING_AUTHORIZATION', 'AUTHORIZED', 'REVOKED', 'EXPIRED'] as const;
export const CredentialStatusSchema = z.enum(CREDENTIAL_STATUSES);
export type CredentialStatus = z.infer<typeof CredentialStatusSchema>;

/** A credential as the API and the rest of the product see it: never a token. */
export interface Credential {
  id: string;
  name: string;
  destination: Destination;
  realmId: string | null;
  status: CredentialStatus;
  hasTokens: boolean;
  accessTokenExpiresAt: string | null;
  refreshTokenExpiresAt: string | null;
  refreshTokenHardExpiresAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}
