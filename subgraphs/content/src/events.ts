import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@aetherial/events';
import { cacheTag } from '@aetherial/subgraph-kit';
import type { CommentRecord } from './models/comment.js';
import type { OutboxEventDocument } from './models/outbox-event.js';
import type { PendingEvent } from './models/pending-event.js';
import type { PostRecord } from './models/post.js';

export type PostEventType = 'PostCreated' | 'PostUpdated' | 'PostDeleted';
export type CommentEventType = 'CommentAdded';

let lastSequence = 0;

/** Strictly increasing in this process, and close to time order across processes. */
export function nextSequence(at: Date): number {
  lastSequence = Math.max(lastSequence + 1, at.getTime() * 1000);
  return lastSequence;
}

/** The public state of a post as events carry it (ISO dates: the payload goes out as JSON). */
export function postPayload(post: Omit<PostRecord, 'deletedAt' | 'commentCount'>): Record<string, unknown> {
  return {
    id: post._id.toHexString(),
    authorId: post.authorId,
    title: post.title,
    body: post.body,
    tags: [...post.tags],
    status: post.status,
    version: post.version,
    createdAt: post.createdAt.toISOString(),
    updatedAt: post.updatedAt.toISOString(),
  };
}

/** `postAuthorId` lets the gateway route a notification to the post's author without a lookup. */
export function commentPayload(comment: CommentRecord, postAuthorId: string): Record<string, unknown> {
  return {
    id: comment._id.toHexString(),
    postId: comment.postId.toHexString(),
    postAuthorId,
    authorId: comment.authorId,
    body: comment.body,
    version: comment.version,
    createdAt: comment.createdAt.toISOString(),
  };
}

type PostListState = Pick<PostRecord, 'authorId' | 'status' | 'tags'>;

const sameTags = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((tag, i) => tag === b[i]);

/**
 * The cached lists a post write makes stale (the post's own tag the gateway adds itself). `before`
 * is null for a new post, `after` null for a deleted one. Root lists of posts (`posts`, filtered by
 * tag or not; search, feed) change when a published post appears, disappears or is re-tagged. The
 * author's own lists (`User.posts`, and `posts` as the author reads it) hold their drafts too, so
 * any change of a draft's membership drops only those. A title or body edit changes no list:
 * responses holding the post drop by its entity tag.
 */
export function postCacheTags(before: PostListState | null, after: PostListState | null): string[] {
  const authorPosts = cacheTag.childList('User', (after ?? before)!.authorId, 'posts');
  const published = (state: PostListState | null) => state?.status === 'PUBLISHED';
  const publicLists = published(before) || published(after) ? [cacheTag.list('Post')] : [];
  if (!before || !after || before.status !== after.status) return [...publicLists, authorPosts];
  if (!sameTags(before.tags, after.tags)) return published(after) ? publicLists : [authorPosts];
  return [];
}

/** A comment changes its post's `comments` and `commentCount`: the post's tag drops both. */
export const commentCacheTags = (postId: string): string[] => [cacheTag.entity('Post', postId)];

export function pendingEvent(
  type: PostEventType | CommentEventType,
  entity: 'Post' | 'Comment',
  entityId: string,
  version: number,
  occurredAt: Date,
  payload: Record<string, unknown> | null,
  cacheTags: string[] = [],
): PendingEvent {
  return {
    cacheTags,
    eventId: randomUUID(),
    sequence: nextSequence(occurredAt),
    type,
    entity,
    entityId,
    version,
    occurredAt,
    payload,
  };
}

export function toOutboxEvent(event: PendingEvent, batch: string): OutboxEventDocument {
  return {
    _id: event.eventId,
    batch,
    sequence: event.sequence,
    type: event.type,
    entity: event.entity,
    entityId: event.entityId,
    version: event.version,
    occurredAt: event.occurredAt,
    payload: event.payload ?? null,
    ...(event.cacheTags ? { cacheTags: event.cacheTags } : {}),
  };
}

export function toDomainEvent(event: OutboxEventDocument): DomainEvent {
  return {
    eventId: event._id,
    type: event.type,
    entity: event.entity,
    entityId: event.entityId,
    version: event.version,
    occurredAt: event.occurredAt.toISOString(),
    payload: event.payload ?? null,
    // An empty list says "nothing beyond the entity"; an absent one (older documents) lets the gateway guess.
    ...(Array.isArray(event.cacheTags) ? { cacheTags: [...event.cacheTags] } : {}),
  };
}
