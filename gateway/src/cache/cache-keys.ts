import { createHash } from 'node:crypto';

/** What decides which cached response an operation may be answered with. */
export interface CacheKeyRequest {
  /** Hash of the query document (Apollo's `queryHash`). */
  queryHash: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  viewerId: string | null;
  /** The token's scopes: what a query may see depends on them, so answers are never shared across scope sets. */
  scopes: readonly string[];
}

export interface CacheKeys {
  /**
   * The shared entry, per audience: an anonymous answer and a signed-in one can differ (a field
   * that hides itself from anonymous readers, a list that shows signed-in readers more), so they
   * are never served for each other.
   */
  publicKey: string;
  /** The viewer's own entry; null when nobody is signed in. */
  privateKey: string | null;
}

/** The keys of an operation's cached responses; look them up with `ResponseStore.lookup`. */
export function responseCacheKeys(request: CacheKeyRequest): CacheKeys {
  const operation = createHash('sha256')
    .update(
      `${request.queryHash}\n${request.operationName ?? ''}\n${JSON.stringify(request.variables ?? {})}`,
    )
    .digest('base64url');
  const key = `${request.scopes.join(' ')}|${operation}`;
  const audience = request.viewerId ? 'signed-in' : 'anonymous';
  return {
    publicKey: `pub:${audience}:${key}`,
    privateKey: request.viewerId ? `prv:${request.viewerId}:${key}` : null,
  };
}

/** The users a response holds, from its entity tags (`User:42`; not `User:42.posts`, not `User`). */
export function usersInTags(tags: Iterable<string>): string[] {
  const users: string[] = [];
  for (const tag of tags)
    if (tag.startsWith('User:') && !tag.includes('.', 5)) users.push(tag.slice('User:'.length));
  return users;
}
