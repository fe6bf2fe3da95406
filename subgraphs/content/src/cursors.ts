import { decodeKeysetCursor, encodeKeysetCursor } from '@aetherial/subgraph-kit';
import { Types } from 'mongoose';

/** Cursor kinds: a post cursor works on every post list (all sort newest first), never on comments. */
export const POST_CURSOR = 'Post';
export const COMMENT_CURSOR = 'Comment';

/** A position in a list ordered by (createdAt, _id): the keyset, stable under inserts. */
export interface Keyset {
  createdAt: Date;
  id: Types.ObjectId;
}

/** The kit's keyset cursor of a row. */
export function keysetCursor(kind: string, row: { createdAt: Date; _id: Types.ObjectId }): string {
  return encodeKeysetCursor(kind, { at: row.createdAt, id: row._id.toHexString() });
}

const isObjectId = (id: string): boolean => /^[0-9a-f]{24}$/i.test(id);

/** Undefined without a cursor; BAD_USER_INPUT (`after`) for anything that is not one of ours. */
export function decodeKeyset(kind: string, after: string | null | undefined): Keyset | undefined {
  const position = decodeKeysetCursor(kind, after, isObjectId);
  return position && { createdAt: new Date(position.at), id: new Types.ObjectId(position.id) };
}

/** Rows strictly after the cursor in (createdAt desc, _id desc) order. */
export function newestFirstAfter(keyset: Keyset) {
  return [{ createdAt: { $lt: keyset.createdAt } }, { createdAt: keyset.createdAt, _id: { $lt: keyset.id } }];
}

/** Rows strictly after the cursor in (createdAt asc, _id asc) order. */
export function oldestFirstAfter(keyset: Keyset) {
  return [{ createdAt: { $gt: keyset.createdAt } }, { createdAt: keyset.createdAt, _id: { $gt: keyset.id } }];
}
