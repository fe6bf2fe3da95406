import { connectionFrom, pageSize, type Connection } from '@aetherial/subgraph-kit';
import type { Types } from 'mongoose';
import { COMMENT_CURSOR, decodeKeyset, keysetCursor, oldestFirstAfter } from './cursors.js';
import type { CommentRecord } from './models/comment.js';
import { withoutOutboxFields } from './models/pending-event.js';
import type { PageArgs } from './post-queries.js';
import type { ContentStore } from './store.js';

export const commentCursor = (comment: CommentRecord): string => keysetCursor(COMMENT_CURSOR, comment);

export const OLDEST_FIRST = { createdAt: 1, _id: 1 } as const;

/** A page of one post's comments after a cursor (the first page goes through a DataLoader instead). */
export async function listCommentsAfter(
  store: ContentStore,
  postId: Types.ObjectId,
  args: PageArgs,
): Promise<Connection<CommentRecord>> {
  const first = pageSize(args.first);
  const after = decodeKeyset(COMMENT_CURSOR, args.after);
  const rows = await store.comments
    .find({ postId, ...(after ? { $or: oldestFirstAfter(after) } : {}) })
    .sort(OLDEST_FIRST)
    .limit(first + 1)
    .select(withoutOutboxFields)
    .lean<CommentRecord[]>()
    .exec();
  return connectionFrom(rows, first, commentCursor, after !== undefined);
}
