import { createHash } from 'node:crypto';
import { badUserInput, decodeCursor, encodeCursor } from '@aetherial/subgraph-kit';
import type { NormalizedFilter } from './validation.js';

/** Where a hit sits in the result order: [score, key] (`search_after` values). */
export type SortPosition = [score: number, key: string];

const CURSOR_KIND = 'search';

/** Identifies a result list: a cursor only continues the query and filter it came from. */
export function searchHash(query: string, filter: NormalizedFilter): string {
  return createHash('sha256').update(JSON.stringify({ query, filter })).digest('base64url').slice(0, 16);
}

/**
 * A position in a result list. `relaxed`: the list is the any-word fallback (the query matched
 * nothing with enough of its words), so later pages go straight to the same fallback.
 */
export interface SearchCursor {
  position: SortPosition;
  relaxed: boolean;
}

export const encodeSearchCursor = (hash: string, position: SortPosition, relaxed = false): string =>
  encodeCursor(CURSOR_KIND, { h: hash, a: position, ...(relaxed ? { r: 1 } : {}) });

export function decodeSearchCursor(after: string | null | undefined, hash: string): SearchCursor | null {
  const decoded = decodeCursor<{ h?: unknown; a?: unknown; r?: unknown }>(CURSOR_KIND, after);
  if (decoded === undefined) return null;
  const position = decoded.a;
  if (
    typeof decoded.h !== 'string' ||
    !Array.isArray(position) ||
    position.length !== 2 ||
    typeof position[0] !== 'number' ||
    typeof position[1] !== 'string'
  ) {
    throw badUserInput('after', 'not a valid search cursor');
  }
  if (decoded.h !== hash) throw badUserInput('after', 'cursor belongs to a different query or filter');
  return { position: [position[0], position[1]], relaxed: decoded.r === 1 };
}
