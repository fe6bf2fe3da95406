import { badUserInput, decodeCursor, encodeCursor } from '@aetherial/subgraph-kit';
import { Types } from 'mongoose';

/** Cursor kinds: a post cursor works on every post list (all sort newest first), never on comments. */
export const POST_CURSOR = 'Post';
export const COMMENT_CURSOR = 'Comment';

/** A position in a list ordered by (createdAt, _id): the keyset, stable under inserts. */
export interface Keyset {
  createdAt: Date;
  id: Types.ObjectId;
}

export function keysetCursor(kind: string, row: { createdAt: Date; _id: Types.ObjectId }): string {
  return encodeCursor(kind, [row.createdAt.toISOString(), row._id.toHexString()]);
}

/** Undefined without a cursor; BAD_USER_INPUT (`after`) for anything that is not one of ours. */
export function decodeKeyset(kind: string, after: string | null | undefined): Keyset | undefined {
  const position = decodeCursor<unknown>(kind, after);
  if (position === undefined) return undefined;
  if (!Array.isArray(position) || position.length !== 2) throw badUserInput('after', 'not a valid cursor');
  const [createdAt, id] = position as unknown[];
  if (typeof createdAt !== 'string' || typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id)) {
    throw badUserInput('after', 'not a valid cursor');
  }
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime())) throw badUserInput('after', 'not a valid cursor');
  return { createdAt: date, id: new Types.ObjectId(id) };
}

/** Rows strictly after the cursor in (createdAt desc, _id desc) order. */
export function newestFirstAfter(keyset: Keyset) {
  return [{ createdAt: { $lt: keyset.createdAt } }, { createdAt: keyset.createdAt, _id: { $lt: keyset.id } }];
}

/** Rows strictly after the cursor in (createdAt asc, _id asc) order. */
export function oldestFirstAfter(keyset: Keyset) {
  return [{ createdAt: { $gt: keyset.createdAt } }, { createdAt: keyset.createdAt, _id: { $gt: keyset.id } }];
}
