import pg from 'pg';
import { buildDocument, type SearchDocument, type SearchEntity } from '../documents.js';
import type { DocumentSource } from './source.js';

/** Tables and columns as Prisma creates them for the core subgraph (quoted, camelCase). */
const queries: Record<'User' | 'Product', { columns: string; table: string }> = {
  User: { table: '"User"', columns: 'id::text AS id, handle, "displayName", "createdAt", version' },
  Product: {
    table: '"Product"',
    columns: 'id::text AS id, sku, title, description, "priceCents", currency, "createdAt", version',
  },
};

interface Row {
  id: string;
  version: number;
  [column: string]: unknown;
}

function tableSource(pool: pg.Pool, type: 'User' | 'Product', name: string): DocumentSource {
  const { table, columns } = queries[type];
  return {
    name,
    async *pages(pageSize: number) {
      let last: string | null = null;
      for (;;) {
        // Keyset pagination: each page is one short query; rows changed meanwhile arrive as events.
        const result: pg.QueryResult<Row> =
          last === null
            ? await pool.query<Row>(`SELECT ${columns} FROM ${table} ORDER BY id LIMIT $1`, [pageSize])
            : await pool.query<Row>(`SELECT ${columns} FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`, [
                last,
                pageSize,
              ]);
        if (result.rows.length === 0) return;
        last = result.rows.at(-1)!.id;
        yield result.rows
          .map((row) =>
            buildDocument(type as SearchEntity, row.id, Number(row.version), {
              ...row,
              currency: String(row.currency ?? 'EUR').trim(),
            }),
          )
          .filter((document): document is SearchDocument => document !== null);
        if (result.rows.length < pageSize) return;
      }
    },
    close: async () => {},
  };
}

/** Users and products from the core subgraph's PostgreSQL database. */
export function postgresSources(databaseUrl: string): DocumentSource[] {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const users = tableSource(pool, 'User', 'users (PostgreSQL "User")');
  const products = tableSource(pool, 'Product', 'products (PostgreSQL "Product")');
  return [users, { ...products, close: () => pool.end() }];
}
