import type { Types } from 'mongoose';
import type { ContentStore } from './store.js';

/**
 * `Post.commentCount` is denormalised, but adding a comment touches two documents and FerretDB has
 * no transactions. So the count is never incremented blindly: it is RECOMPUTED from the comments
 * and only ever RAISED to that value (`commentCount < n` guard). That is idempotent and safe with
 * concurrent writers, because comments are only ever removed together with their post.
 *
 * addComment inserts the comment (countedInPost: false), raises the count, then marks the comment
 * counted. If the process dies in between, the outbox relay finds the comment still uncounted when
 * it drains its CommentAdded event and raises the count then (before the event leaves the comment).
 */
export async function raiseCommentCount(store: ContentStore, postId: Types.ObjectId): Promise<void> {
  // An equality filter: FerretDB pushes it down to its backend (an $in it would not).
  const count = await store.comments.countDocuments({ postId }).exec();
  await store.posts
    .updateOne({ _id: postId, commentCount: { $lt: count } }, { $set: { commentCount: count } })
    .exec();
}

export interface MaybeCountedComment {
  _id: Types.ObjectId;
  postId: Types.ObjectId;
  countedInPost?: boolean;
}

/** For the relay: repairs the posts of comments whose addComment died before its count step. */
export async function countUncountedComments(
  store: ContentStore,
  comments: readonly MaybeCountedComment[],
): Promise<void> {
  const uncounted = comments.filter((comment) => !comment.countedInPost);
  if (uncounted.length === 0) return;
  const postIds = new Map(uncounted.map((comment) => [comment.postId.toHexString(), comment.postId]));
  for (const postId of postIds.values()) await raiseCommentCount(store, postId);
  await store.comments
    .updateMany({ _id: { $in: uncounted.map((comment) => comment._id) } }, { $set: { countedInPost: true } })
    .exec();
}
