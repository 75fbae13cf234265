import { orNotFound, type Queryable } from '../db/repositories/common';
import * as repo from '../db/repositories/credentials';
import type { Credential } from '../db/repositories/credentials';

/**
 * Credential use cases (spec §3.2). Nothing here returns a token. The name is the only field an operator
 * edits; destination and tokens belong to the authorization.
 */
export {
  insertCredential as createCredential,
  listCredentials,
  renameCredential,
  deleteCredential,
  /** Stores tokens obtained elsewhere (tests, manual set-up, the OAuth callback), sealed → AUTHORIZED. */
  storeCredentialTokens as setCredentialTokens,
} from '../db/repositories/credentials';

export async function getCredential(q: Queryable, id: string): Promise<Credential> {
  return orNotFound('Credential', id, repo.findCredential(q, id));
}
