import { commentPayload, pendingEvent, postPayload } from './events.js';
import type { CommentDocument, CommentRecord } from './models/comment.js';
import { appendBatch } from './outbox-batches.js';
import type { PostDocument, PostRecord } from './models/post.js';
import { insertNew } from './insert-new.js';
import {
  deterministicObjectId,
  generateCommentText,
  generatePostText,
  pick,
  type Random,
} from './seed/generate.js';
import { connectStore, type ContentStore } from './store.js';

export interface SeedContentOptions {
  /** Core User ids to spread posts and comments over. */
  authorIds: readonly string[];
  posts: number;
  /** Exactly this many comments on every post (default 0). */
  commentsPerPost?: number;
  /** The only source of randomness: the same function (and `now`) gives the same data and ids. */
  random: Random;
  /** The newest post's time; posts spread over `spanDays` before it (default: now, 365 days). */
  now?: Date;
  spanDays?: number;
  /** Share of posts left as drafts (default 0.1). */
  draftShare?: number;
  /** An open store; without one, connects to `mongodbUrl` (default MONGODB_URL) and closes after. */
  store?: ContentStore;
  mongodbUrl?: string;
  /** Documents per insert (default 200): FerretDB stalls on very large multi-document writes. */
  chunkSize?: number;
}

/**
 * Demo data: comments, then posts, inserted in chunks (`insertMany`, default 200 documents), and
 * for each chunk one outbox batch with a PostCreated / CommentAdded event per document inserted,
 * so the relay publishes them like any other write and search/semantic/social index them.
 *
 * Unlike API writes, seeded documents do not carry their events embedded: clearing them again
 * costs FerretDB one document rewrite each (minutes for 10k posts), and a seed has no concurrent
 * change to be atomic with. If a seed dies between a chunk's documents and its batch, those
 * documents have no event (a `reindex` of the consumers covers them); a re-run skips existing ids
 * and writes events only for what it inserts. Deterministic given `random` and `now` (ids too).
 * Returns the post ids.
 */
export async function seedContent(options: SeedContentOptions): Promise<string[]> {
  if (options.authorIds.length === 0) throw new Error('seedContent: authorIds is empty');
  const store =
    options.store ??
    (await connectStore(
      options.mongodbUrl ?? process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/aetherial',
    ));
  try {
    return await insertSeed(store, options);
  } finally {
    if (!options.store) await store.close();
  }
}

async function insertSeed(store: ContentStore, options: SeedContentOptions): Promise<string[]> {
  const { random, authorIds } = options;
  const newest = (options.now ?? new Date()).getTime();
  const spanMs = (options.spanDays ?? 365) * 86_400_000;
  const chunkSize = options.chunkSize ?? 200;
  const commentsPerPost = options.commentsPerPost ?? 0;
  const draftShare = options.draftShare ?? 0.1;
  const postIds: string[] = [];

  for (let start = 0; start < options.posts; start += chunkSize) {
    const posts: PostDocument[] = [];
    const comments: CommentDocument[] = [];
    for (let i = start; i < Math.min(options.posts, start + chunkSize); i += 1) {
      // Whole milliseconds, oldest first: ids and times grow together like real traffic.
      const createdAt = new Date(Math.round(newest - spanMs + (spanMs * (i + random())) / options.posts));
      const text = generatePostText(random);
      const post: PostRecord = {
        _id: deterministicObjectId(random, createdAt),
        authorId: pick(random, authorIds),
        title: text.title,
        body: text.body,
        tags: text.tags,
        status: random() < draftShare ? 'DRAFT' : 'PUBLISHED',
        version: 1,
        createdAt,
        updatedAt: createdAt,
        // Exact: the comments below are inserted before the posts, so the count never runs ahead.
        commentCount: commentsPerPost,
        deletedAt: null,
      };
      posts.push({ ...post, pendingEvents: [], hasPendingEvents: false });
      postIds.push(post._id.toHexString());
      for (let c = 0; c < commentsPerPost; c += 1) {
        const commentedAt = new Date(createdAt.getTime() + Math.round(random() * 7 * 86_400_000));
        const comment: CommentRecord = {
          _id: deterministicObjectId(random, commentedAt),
          postId: post._id,
          authorId: pick(random, authorIds),
          body: generateCommentText(random, text.subject),
          createdAt: commentedAt,
          version: 1,
        };
        comments.push({ ...comment, pendingEvents: [], hasPendingEvents: false, countedInPost: true });
      }
    }
    // Comments before their posts: a seed that dies in between leaves comments nobody can reach
    // (and a re-run adds the posts), never a count above the comments that exist.
    const insertedComments: CommentRecord[] = [];
    for (let c = 0; c < comments.length; c += chunkSize) {
      insertedComments.push(...(await insertNew(store.comments, comments.slice(c, c + chunkSize))).inserted);
    }
    const insertedPosts = (await insertNew(store.posts, posts)).inserted;
    // Events for what this run inserted, straight into the outbox as one batch (see the doc above).
    const authorOfPost = new Map(posts.map((post) => [post._id.toHexString(), post.authorId]));
    await appendBatch(store, [
      ...insertedPosts.map((post) =>
        pendingEvent('PostCreated', 'Post', post._id.toHexString(), 1, post.createdAt, postPayload(post)),
      ),
      ...insertedComments.map((comment) =>
        pendingEvent(
          'CommentAdded',
          'Comment',
          comment._id.toHexString(),
          1,
          comment.createdAt,
          commentPayload(comment, authorOfPost.get(comment.postId.toHexString()) ?? ''),
        ),
      ),
    ]);
  }
  return postIds;
}
