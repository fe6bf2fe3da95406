import type { PostRecord, PostStatus } from './models/post.js';

/** Drafts exist only for their author; deleted posts for nobody. */
export function isVisible(post: PostRecord, viewerId: string | null): boolean {
  return !post.deletedAt && (post.status === 'PUBLISHED' || post.authorId === viewerId);
}

export interface PostListFilter {
  authorId?: string | null;
  tag?: string | null;
  status?: PostStatus | null;
}

/** Conditions for "posts this viewer may see", whoever wrote them. */
export function visibleToViewer(viewerId: string | null): Record<string, unknown> {
  if (!viewerId) return { deletedAt: null, status: 'PUBLISHED' };
  return { deletedAt: null, $or: [{ status: 'PUBLISHED' }, { authorId: viewerId }] };
}

/**
 * The MongoDB filter for a post list as this viewer may see it, or null when the answer is empty
 * whatever the data (someone else's drafts). Equality conditions stay top-level keys: FerretDB
 * pushes only those down to its SQL backend.
 */
export function visiblePostsFilter(
  viewerId: string | null,
  filter: PostListFilter,
): Record<string, unknown> | null {
  const query: Record<string, unknown> = { deletedAt: null };
  if (filter.status === 'DRAFT') {
    if (!viewerId || (filter.authorId && filter.authorId !== viewerId)) return null;
    query.status = 'DRAFT';
    query.authorId = viewerId;
  } else if (filter.status === 'PUBLISHED' || !viewerId) {
    query.status = 'PUBLISHED';
  } else if (filter.authorId === viewerId) {
    // The viewer's own list: drafts and published alike, no $or needed.
  } else {
    query.$or = [{ status: 'PUBLISHED' }, { authorId: viewerId }];
  }
  if (filter.authorId) query.authorId = filter.authorId;
  if (filter.tag) query.tags = filter.tag;
  return query;
}

/** Adds "after this keyset" to a filter without clobbering a visibility `$or`. */
export function withKeyset(
  filter: Record<string, unknown>,
  keysetOr: object[] | undefined,
): Record<string, unknown> {
  if (!keysetOr) return filter;
  if (filter.$or) return { ...filter, $and: [{ $or: keysetOr }] };
  return { ...filter, $or: keysetOr };
}
