import type { RequestContext } from '@aetherial/subgraph-kit';
import type { TokenIssuer } from './auth.js';
import { createLoaders, type CoreLoaders } from './loaders.js';
import type { CoreDb } from './store.js';

export interface CoreContext extends RequestContext {
  db: CoreDb;
  loaders: CoreLoaders;
  issueToken: TokenIssuer;
  /** Set by signUp/logIn: the response may show the account's private fields to the one who just proved it is theirs. */
  signedInAs: string | null;
}

/** Adds the store handle, fresh loaders (their cache lives for one request) and the token issuer. */
export const coreContextFactory =
  (db: CoreDb, issueToken: TokenIssuer) =>
  (base: RequestContext): CoreContext => ({
    ...base,
    db,
    loaders: createLoaders(db),
    issueToken,
    signedInAs: null,
  });
