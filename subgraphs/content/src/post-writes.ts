import { conflict, forbidden, notFound } from '@aetherial/subgraph-kit';
import { Types } from 'mongoose';
import { pendingEvent, postCacheTags, postPayload } from './events.js';
import { withoutOutboxFields } from './models/pending-event.js';
import type { PostRecord } from './models/post.js';
import { rethrowValidationError } from './mongo-errors.js';
import type { ContentStore } from './store.js';
import type { PostContent } from './validation.js';
import { isVisible } from './visibility.js';

/** Optimistic writes retry this often when another writer changed the post in between. */
const MAX_ATTEMPTS = 3;

/** Told the cache tags a write's event carries, so a mutation's answer can report them too. */
export type CacheTagsReport = (tags: readonly string[]) => void;

/**
 * Every write below is ONE single-document insert or update that carries its domain event in
 * `pendingEvents` (FerretDB has no transactions; a single-document write is atomic). Updates are
 * guarded by the version they were computed from, so the event's payload is exactly the new state.
 */
export async function createPost(
  store: ContentStore,
  authorId: string,
  content: PostContent,
  reportTags?: CacheTagsReport,
): Promise<PostRecord> {
  const now = new Date();
  const post: PostRecord = {
    _id: new Types.ObjectId(),
    authorId,
    ...content,
    version: 1,
    createdAt: now,
    updatedAt: now,
    commentCount: 0,
    deletedAt: null,
  };
  const tags = postCacheTags(null, post);
  const event = pendingEvent('PostCreated', 'Post', post._id.toHexString(), 1, now, postPayload(post), tags);
  try {
    await store.posts.create({ ...post, pendingEvents: [event], hasPendingEvents: true });
  } catch (error) {
    rethrowValidationError(error);
  }
  reportTags?.(tags);
  return post;
}

/** The post as its author may change it: NOT_FOUND if the viewer cannot see it, FORBIDDEN if not theirs. */
async function postOwnedBy(
  store: ContentStore,
  postId: Types.ObjectId,
  viewerId: string,
  action: string,
): Promise<PostRecord> {
  const post = await store.posts
    .findOne({ _id: postId, deletedAt: null })
    .select(withoutOutboxFields)
    .lean<PostRecord>()
    .exec();
  if (!post || !isVisible(post, viewerId)) throw notFound('Post', postId.toHexString());
  if (post.authorId !== viewerId)
    throw forbidden(`only the author of post ${postId.toHexString()} can ${action} it`);
  return post;
}

export async function updatePost(
  store: ContentStore,
  postId: Types.ObjectId,
  viewerId: string,
  changes: Partial<PostContent>,
  reportTags?: CacheTagsReport,
): Promise<PostRecord> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await postOwnedBy(store, postId, viewerId, 'update');
    const now = new Date();
    const next: PostRecord = { ...current, ...changes, version: current.version + 1, updatedAt: now };
    const tags = postCacheTags(current, next);
    const event = pendingEvent(
      'PostUpdated',
      'Post',
      postId.toHexString(),
      next.version,
      now,
      // previousStatus: a draft's publication is news (the gateway's feedUpdated), an edit is not.
      { ...postPayload(next), previousStatus: current.status },
      tags,
    );
    let modified: number;
    try {
      // updateOne rather than findOneAndUpdate: FerretDB's findAndModify takes no projection, and
      // the version guard already tells us the new state is exactly `next`.
      const result = await store.posts
        .updateOne(
          { _id: postId, version: current.version, deletedAt: null },
          {
            $set: { ...changes, version: next.version, updatedAt: now, hasPendingEvents: true },
            $push: { pendingEvents: event },
          },
          { runValidators: true },
        )
        .exec();
      modified = result.modifiedCount;
    } catch (error) {
      rethrowValidationError(error);
    }
    if (modified === 1) {
      reportTags?.(tags);
      return next;
    }
    if (attempt >= MAX_ATTEMPTS)
      throw conflict('id', 'the post kept changing while being updated; try again');
  }
}

/**
 * Marks the post deleted and records PostDeleted in one update. Readers stop seeing it at once;
 * the relay removes the document and its comments after PostDeleted is on the stream, so the event
 * cannot be lost with the document.
 */
export async function deletePost(
  store: ContentStore,
  postId: Types.ObjectId,
  viewerId: string,
  reportTags?: CacheTagsReport,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await postOwnedBy(store, postId, viewerId, 'delete');
    const now = new Date();
    const version = current.version + 1;
    const tags = postCacheTags(current, null);
    const event = pendingEvent('PostDeleted', 'Post', postId.toHexString(), version, now, null, tags);
    const result = await store.posts
      .updateOne(
        { _id: postId, version: current.version, deletedAt: null },
        {
          $set: { deletedAt: now, updatedAt: now, version, hasPendingEvents: true },
          $push: { pendingEvents: event },
        },
      )
      .exec();
    if (result.modifiedCount === 1) {
      reportTags?.(tags);
      return;
    }
    if (attempt >= MAX_ATTEMPTS)
      throw conflict('id', 'the post kept changing while being deleted; try again');
  }
}
