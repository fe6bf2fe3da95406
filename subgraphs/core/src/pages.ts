import {
  badUserInput,
  connectionFrom,
  decodeCursor,
  decodeKeysetCursor,
  encodeCursor,
  encodeKeysetCursor,
  pageSize,
  type Connection,
} from '@aetherial/subgraph-kit';
import type { CoreDb, OrderRow, ProductRow, UserRow } from './store.js';
import { isUuid } from './store.js';

/**
 * Keyset pagination: a cursor is the sort key of the last row seen, so a page costs one indexed
 * query however deep it is, and rows inserted meanwhile do not shift later pages.
 */

export async function usersPage(
  db: CoreDb,
  first?: number | null,
  after?: string | null,
): Promise<Connection<UserRow>> {
  const size = pageSize(first);
  const afterHandle = decodeCursor<string>('users', after);
  if (afterHandle !== undefined && typeof afterHandle !== 'string')
    throw badUserInput('after', 'not a valid cursor');
  const rows = await db.user.findMany({
    where: afterHandle === undefined ? {} : { handle: { gt: afterHandle } },
    orderBy: { handle: 'asc' },
    take: size + 1,
  });
  return connectionFrom(rows, size, (user) => encodeCursor('users', user.handle), afterHandle !== undefined);
}

/** Position in a newest-first list: the kit's keyset (createdAt, id), ids being UUIDs. */
function decodeNewestFirst(
  kind: string,
  after: string | null | undefined,
): { createdAt: Date; id: string } | undefined {
  const position = decodeKeysetCursor(kind, after, isUuid);
  return position && { createdAt: new Date(position.at), id: position.id };
}

const newestFirstCursor = (kind: string) => (row: { createdAt: Date; id: string }) =>
  encodeKeysetCursor(kind, { at: row.createdAt, id: row.id });

/** Rows strictly after the position in (createdAt DESC, id DESC) order. */
const olderThan = (position: { createdAt: Date; id: string } | undefined) =>
  position === undefined
    ? {}
    : {
        OR: [
          { createdAt: { lt: position.createdAt } },
          { createdAt: position.createdAt, id: { lt: position.id } },
        ],
      };

export async function productsPage(
  db: CoreDb,
  first?: number | null,
  after?: string | null,
): Promise<Connection<ProductRow>> {
  const size = pageSize(first);
  const position = decodeNewestFirst('products', after);
  const rows = await db.product.findMany({
    where: olderThan(position),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: size + 1,
  });
  return connectionFrom(rows, size, newestFirstCursor('products'), position !== undefined);
}

export async function ordersPage(
  db: CoreDb,
  buyerId: string,
  first?: number | null,
  after?: string | null,
): Promise<Connection<OrderRow>> {
  const size = pageSize(first);
  const position = decodeNewestFirst('orders', after);
  const rows = await db.order.findMany({
    where: { buyerId, ...olderThan(position) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: size + 1,
  });
  return connectionFrom(rows, size, newestFirstCursor('orders'), position !== undefined);
}
