import { connectionFrom, pageSize, type Connection } from '@aetherial/subgraph-kit';
import { decodeKeyset, keysetCursor, newestFirstAfter, POST_CURSOR, type Keyset } from './cursors.js';
import type { PostRecord } from './models/post.js';
import { withoutOutboxFields } from './models/pending-event.js';
import type { ContentStore } from './store.js';
import { visiblePostsFilter, withKeyset, type PostListFilter } from './visibility.js';

export const postCursor = (post: PostRecord): string => keysetCursor(POST_CURSOR, post);

export const NEWEST_FIRST = { createdAt: -1, _id: -1 } as const;

export function emptyConnection<T>(hasPreviousPage: boolean): Connection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage, startCursor: null, endCursor: null } };
}

export function findPostsNewestFirst(
  store: ContentStore,
  filter: Record<string, unknown>,
  after: Keyset | undefined,
  limit: number,
): Promise<PostRecord[]> {
  return store.posts
    .find(withKeyset(filter, after && newestFirstAfter(after)))
    .sort(NEWEST_FIRST)
    .limit(limit)
    .select(withoutOutboxFields)
    .lean<PostRecord[]>()
    .exec();
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** One page of posts newest first, as this viewer may see them (one query: first + 1 rows). */
export async function listPosts(
  store: ContentStore,
  viewerId: string | null,
  { first: requested, after: cursor }: PageArgs,
  filter: PostListFilter,
): Promise<Connection<PostRecord>> {
  const first = pageSize(requested);
  const after = decodeKeyset(POST_CURSOR, cursor);
  const query = visiblePostsFilter(viewerId, filter);
  if (!query) return emptyConnection(after !== undefined);
  const rows = await findPostsNewestFirst(store, query, after, first + 1);
  return connectionFrom(rows, first, postCursor, after !== undefined);
}
