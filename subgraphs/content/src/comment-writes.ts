import { notFound } from '@aetherial/subgraph-kit';
import { Types } from 'mongoose';
import { raiseCommentCount } from './comment-count.js';
import { commentCacheTags, commentPayload, pendingEvent } from './events.js';
import type { CommentRecord } from './models/comment.js';
import { withoutOutboxFields } from './models/pending-event.js';
import type { PostRecord } from './models/post.js';
import type { CacheTagsReport } from './post-writes.js';
import { rethrowValidationError } from './mongo-errors.js';
import type { ContentStore } from './store.js';
import { isVisible } from './visibility.js';

/**
 * Inserts the comment with its CommentAdded event embedded (one atomic insert), then raises the
 * post's denormalised commentCount (see comment-count.ts for why those later steps are safe to lose).
 */
export async function addComment(
  store: ContentStore,
  postId: Types.ObjectId,
  authorId: string,
  body: string,
  reportTags?: CacheTagsReport,
): Promise<CommentRecord> {
  const post = await store.posts
    .findOne({ _id: postId, deletedAt: null })
    .select(withoutOutboxFields)
    .lean<PostRecord>()
    .exec();
  if (!post || !isVisible(post, authorId)) throw notFound('Post', postId.toHexString());
  const now = new Date();
  const comment: CommentRecord = {
    _id: new Types.ObjectId(),
    postId,
    authorId,
    body,
    createdAt: now,
    version: 1,
  };
  const event = pendingEvent(
    'CommentAdded',
    'Comment',
    comment._id.toHexString(),
    1,
    now,
    commentPayload(comment, post.authorId),
    commentCacheTags(postId.toHexString()),
  );
  try {
    await store.comments.create({
      ...comment,
      pendingEvents: [event],
      hasPendingEvents: true,
      countedInPost: false,
    });
  } catch (error) {
    rethrowValidationError(error);
  }
  await raiseCommentCount(store, postId);
  // Spares the relay a recount; losing this write only costs that recount.
  await store.comments.updateOne({ _id: comment._id }, { $set: { countedInPost: true } }).exec();
  reportTags?.(event.cacheTags ?? []);
  return comment;
}
