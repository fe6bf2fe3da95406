import { byKeys, groupedByKeys } from '@aetherial/subgraph-kit';
import DataLoader from 'dataloader';
import { Types } from 'mongoose';
import { OLDEST_FIRST } from './comment-queries.js';
import type { CommentRecord } from './models/comment.js';
import { withoutOutboxFields } from './models/pending-event.js';
import type { PostRecord } from './models/post.js';
import { findPostsNewestFirst, NEWEST_FIRST } from './post-queries.js';
import type { ContentStore } from './store.js';
import { visiblePostsFilter, visibleToViewer } from './visibility.js';

export interface FirstPostsKey {
  authorId: string;
  first: number;
}

export interface FirstCommentsKey {
  postId: string;
  first: number;
  /** The post's denormalised count: tells whether its first page can share a query. */
  commentCount: number;
}

/**
 * With 'in' batch reads, a first page (no cursor) of many parents is fetched with ONE `$in` query
 * and sliced per parent.
 * MongoDB has no per-group limit that FerretDB supports (no $lookup, $facet, $push), so that query
 * returns every row of those parents: it is used for parents with at most first + 1 + this many
 * rows, and a parent with more (a rare, very long list) gets its own limited query instead.
 */
export const SHARED_QUERY_SLACK = 25;

const oid = (id: string) => new Types.ObjectId(id);

/**
 * A cursor's first batch holds 101 documents unless told otherwise. Asking for one more than the
 * rows a batch can return keeps it to one round trip: a batch filled exactly leaves the cursor open
 * and costs an empty getMore.
 */
const firstBatchFor = (expectedRows: number) => Math.max(101, expectedRows + 1);

/** Reads every key on its own, all at once: one equality query a key (see BatchReads). */
const eachKey = <K, V>(keys: readonly K[], read: (key: K) => Promise<V>): Promise<V[]> =>
  Promise.all(keys.map((key) => read(key)));

/**
 * Per-request loaders (their caches must not outlive the request: visibility depends on the viewer).
 * Each batches the keys of one request; how a batch reads them is the store's `batchReads`.
 */
export function createLoaders(store: ContentStore, viewerId: string | null) {
  const pointReads = store.batchReads === 'point';

  // One key's read, with equality conditions only (pushed down by FerretDB). 'point' batches are
  // made of these; 'in' batches use the two list reads for parents whose lists are too long.
  const postOf = (id: string) =>
    store.posts
      .findOne({ _id: oid(id), deletedAt: null })
      .select(withoutOutboxFields)
      .lean<PostRecord>()
      .exec();
  const commentOf = (id: string) =>
    store.comments
      .findOne({ _id: oid(id) })
      .select(withoutOutboxFields)
      .lean<CommentRecord>()
      .exec();
  const postCountOf = async (authorId: string) => {
    const filter = visiblePostsFilter(viewerId, { authorId });
    return filter ? store.posts.countDocuments(filter).exec() : 0;
  };
  const firstPostsOf = async (key: FirstPostsKey) => {
    const filter = visiblePostsFilter(viewerId, { authorId: key.authorId });
    return filter ? findPostsNewestFirst(store, filter, undefined, key.first + 1) : [];
  };
  const firstCommentsOf = (key: FirstCommentsKey) =>
    store.comments
      .find({ postId: oid(key.postId) })
      .sort(OLDEST_FIRST)
      .limit(key.first + 1)
      .select(withoutOutboxFields)
      .lean<CommentRecord[]>()
      .exec();

  const postById = new DataLoader<string, PostRecord | null>(async (ids) => {
    if (pointReads) return eachKey(ids, postOf);
    const rows = await store.posts
      .find({ _id: { $in: ids.map(oid) }, deletedAt: null })
      .batchSize(firstBatchFor(ids.length))
      .select(withoutOutboxFields)
      .lean<PostRecord[]>()
      .exec();
    return byKeys(ids, rows, (row) => row._id.toHexString());
  });

  const commentById = new DataLoader<string, CommentRecord | null>(async (ids) => {
    if (pointReads) return eachKey(ids, commentOf);
    const rows = await store.comments
      .find({ _id: { $in: ids.map(oid) } })
      .batchSize(firstBatchFor(ids.length))
      .select(withoutOutboxFields)
      .lean<CommentRecord[]>()
      .exec();
    return byKeys(ids, rows, (row) => row._id.toHexString());
  });

  /** What `User.posts` would list for this viewer, counted per author (in one $group with 'in'). */
  const postCountByAuthor = new DataLoader<string, number>(async (authorIds) => {
    if (pointReads) return eachKey(authorIds, postCountOf);
    const counts = await store.posts
      .aggregate<{ _id: string; count: number }>([
        { $match: { ...visibleToViewer(viewerId), authorId: { $in: [...authorIds] } } },
        { $group: { _id: '$authorId', count: { $sum: 1 } } },
      ])
      .exec();
    return byKeys(authorIds, counts, (row) => row._id).map((row) => row?.count ?? 0);
  });

  /** first + 1 rows of each author's newest visible posts. */
  const firstPostsByAuthor = new DataLoader<FirstPostsKey, PostRecord[], string>(
    async (keys) => {
      if (pointReads) return eachKey(keys, firstPostsOf);
      const counts = await postCountByAuthor.loadMany(keys.map((key) => key.authorId));
      const countOf = (index: number) => {
        const count = counts[index];
        if (count instanceof Error) throw count;
        return count ?? 0;
      };
      const shared = keys.filter((key, index) => countOf(index) <= key.first + 1 + SHARED_QUERY_SLACK);
      const sharedRowCount = keys.reduce(
        (sum, key, index) => sum + (shared.includes(key) ? countOf(index) : 0),
        0,
      );
      const sharedRows = shared.length
        ? await store.posts
            .find({ ...visibleToViewer(viewerId), authorId: { $in: shared.map((key) => key.authorId) } })
            .sort(NEWEST_FIRST)
            .batchSize(firstBatchFor(sharedRowCount))
            .select(withoutOutboxFields)
            .lean<PostRecord[]>()
            .exec()
        : [];
      const sharedGroups = groupedByKeys(
        shared.map((key) => key.authorId),
        sharedRows,
        (row) => row.authorId,
      );
      const sharedByAuthor = new Map(shared.map((key, index) => [key.authorId, sharedGroups[index] ?? []]));
      return eachKey(keys, async (key) => {
        const rows = sharedByAuthor.get(key.authorId);
        return rows ? rows.slice(0, key.first + 1) : firstPostsOf(key);
      });
    },
    { cacheKeyFn: (key) => `${key.authorId}:${key.first}` },
  );

  /** first + 1 oldest comments of each post. */
  const firstCommentsByPost = new DataLoader<FirstCommentsKey, CommentRecord[], string>(
    async (keys) => {
      if (pointReads) return eachKey(keys, firstCommentsOf);
      const shared = keys.filter((key) => key.commentCount <= key.first + 1 + SHARED_QUERY_SLACK);
      const sharedRows = shared.length
        ? await store.comments
            .find({ postId: { $in: shared.map((key) => oid(key.postId)) } })
            .sort(OLDEST_FIRST)
            .batchSize(firstBatchFor(shared.reduce((sum, key) => sum + key.commentCount, 0)))
            .select(withoutOutboxFields)
            .lean<CommentRecord[]>()
            .exec()
        : [];
      const sharedGroups = groupedByKeys(
        shared.map((key) => key.postId),
        sharedRows,
        (row) => row.postId.toHexString(),
      );
      const sharedByPost = new Map(shared.map((key, index) => [key.postId, sharedGroups[index] ?? []]));
      return eachKey(keys, async (key) => {
        const rows = sharedByPost.get(key.postId);
        return rows ? rows.slice(0, key.first + 1) : firstCommentsOf(key);
      });
    },
    { cacheKeyFn: (key) => `${key.postId}:${key.first}` },
  );

  return { postById, commentById, postCountByAuthor, firstPostsByAuthor, firstCommentsByPost };
}

export type Loaders = ReturnType<typeof createLoaders>;
