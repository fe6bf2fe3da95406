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
  /** Call after a write that recorded outbox events has committed: the relay publishes them now. */
  eventsRecorded: () => void;
}

/**
 * Adds the store handle, fresh loaders (their cache lives for one request), the token issuer and
 * the outbox relay's nudge (a no-op when this instance runs no relay).
 */
export const coreContextFactory =
  (db: CoreDb, issueToken: TokenIssuer, eventsRecorded: () => void = () => undefined) =>
  (base: RequestContext): CoreContext => ({
    ...base,
    db,
    loaders: createLoaders(db),
    issueToken,
    signedInAs: null,
    eventsRecorded,
  });
