import type { GraphQLResolveInfo } from 'graphql';

interface CacheControlInfo {
  cacheControl?: { setCacheHint: (hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) => void };
}

/**
 * Marks the answer as depending on the viewer (Apollo's dynamic cache hint), so a shared response
 * cache never hands one user's draft or draft-inclusive list to another.
 */
export function hintPrivate(info: GraphQLResolveInfo): void {
  (info as GraphQLResolveInfo & CacheControlInfo).cacheControl?.setCacheHint({ scope: 'PRIVATE' });
}
