import { badUserInput } from './errors.js';

/** Relay connection types shared by every subgraph. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount?: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Validates `first`: 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
export function pageSize(first: number | null | undefined, max = MAX_PAGE_SIZE): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badUserInput('first', `must be between 1 and ${max}, got ${first}`);
  }
  return first;
}

/**
 * Opaque cursors: base64url of a JSON position tagged with the list it belongs to, so a cursor
 * from one list used on another is a clear error rather than a wrong page.
 */
export function encodeCursor(kind: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ k: kind, p: position })).toString('base64url');
}

export function decodeCursor<T>(kind: string, cursor: string | null | undefined): T | undefined {
  if (cursor === null || cursor === undefined || cursor === '') return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badUserInput('after', 'not a valid cursor');
  }
  if (typeof decoded !== 'object' || decoded === null || (decoded as { k?: unknown }).k !== kind) {
    throw badUserInput('after', `cursor does not belong to this list (${kind})`);
  }
  return (decoded as { p: T }).p;
}

/**
 * Builds a connection from `first + 1` rows fetched after the cursor: the extra row only tells
 * whether there is a next page.
 */
export function connectionFrom<T>(
  rows: readonly T[],
  first: number,
  cursorOf: (row: T) => string,
  hasPreviousPage: boolean,
  totalCount?: number,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    ...(totalCount === undefined ? {} : { totalCount }),
  };
}

/**
 * A position in a list ordered by (time, id), newest or oldest first: the keyset every subgraph's
 * lists page by (posts, comments, follows, feed, products, orders). `at` is the ISO-8601 instant
 * as the store gave it (Neo4j's carry nanoseconds a Date would lose).
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

/** The cursor of the row at `position` in list `kind`. */
export const encodeKeysetCursor = (kind: string, position: { at: string | Date; id: string }): string =>
  encodeCursor(kind, [position.at instanceof Date ? position.at.toISOString() : position.at, position.id]);

/**
 * The position of a keyset cursor of list `kind`; undefined without a cursor, BAD_USER_INPUT
 * (`after`) for anything else: another list's cursor, a bad instant, or an id `isId` refuses.
 */
export function decodeKeysetCursor(
  kind: string,
  cursor: string | null | undefined,
  isId: (id: string) => boolean = () => true,
): KeysetPosition | undefined {
  const position = decodeCursor<unknown>(kind, cursor);
  if (position === undefined) return undefined;
  const [at, id] = Array.isArray(position) && position.length === 2 ? (position as unknown[]) : [];
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !isId(id))
    throw badUserInput('after', 'not a valid cursor');
  return { at, id };
}
