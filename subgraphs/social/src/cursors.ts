import { badUserInput, decodeCursor, encodeCursor } from '@aetherial/subgraph-kit';
import type { KeysetPosition } from './store.js';

/** Lists with keyset cursors; a cursor of one cannot be used on another. */
export type CursorKind = 'followers' | 'following' | 'feed';

export const encodeKeyset = (kind: CursorKind, position: KeysetPosition): string =>
  encodeCursor(kind, [position.at, position.id]);

export function decodeKeyset(kind: CursorKind, cursor: string | null | undefined): KeysetPosition | null {
  const position = decodeCursor<unknown>(kind, cursor);
  if (position === undefined) return null;
  if (
    !Array.isArray(position) ||
    position.length !== 2 ||
    !position.every((part) => typeof part === 'string')
  ) {
    throw badUserInput('after', 'not a valid cursor');
  }
  return { at: position[0] as string, id: position[1] as string };
}
