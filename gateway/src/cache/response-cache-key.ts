import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: `{"a":1,"b":2}` and `{"b":2,"a":1}` are one key. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/**
 * One operation with its inputs: the document's hash (Apollo Server's `queryHash`, which is also the
 * APQ hash), the operation name and the canonical variables. Demand control's decision memo uses it
 * too, so the cache-hit fast path asks both with the same digest.
 */
export function operationDigest(
  queryHash: string,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): string {
  return createHash('sha256')
    .update(`${queryHash}\n${operationName ?? ''}\n${canonicalJson(variables ?? {})}`)
    .digest('base64url');
}

/**
 * The response cache's key of an operation for a viewer's scopes: what a query may see depends on
 * the token's scopes, so answers are never shared across scope sets (an admin's answer is never a
 * customer's hit).
 */
export function responseCacheKey(scopes: readonly string[], digest: string): string {
  return `${[...new Set(scopes)].sort().join(' ')}|${digest}`;
}

/**
 * The Redis entries a lookup reads: the viewer's private answer when signed in, and the shared one
 * of the viewer's audience: an anonymous answer and a signed-in one can differ (a field that hides
 * itself from anonymous readers, a list that shows signed-in readers more), so they are never
 * served for each other.
 */
export function responseEntryKeys(
  key: string,
  viewerId: string | null,
): { publicKey: string; privateKey: string | null } {
  const audience = viewerId ? 'signed-in' : 'anonymous';
  return { publicKey: `pub:${audience}:${key}`, privateKey: viewerId ? `prv:${viewerId}:${key}` : null };
}

/** The users a response holds, from its entity tags (`User:42`; not `User:42.posts`, not `User`). */
export function usersInTags(tags: Iterable<string>): string[] {
  const users: string[] = [];
  for (const tag of tags)
    if (tag.startsWith('User:') && !tag.includes('.', 5)) users.push(tag.slice('User:'.length));
  return users;
}
