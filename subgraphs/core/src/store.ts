import type { StoreRequestCounter } from '@aetherial/subgraph-kit';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from './generated/prisma/client.js';

export { Prisma };
export type {
  User as UserRow,
  Product as ProductRow,
  Order as OrderRow,
  OrderItem as OrderItemRow,
  OutboxEvent as OutboxEventRow,
} from './generated/prisma/client.js';

/**
 * The Prisma client of the core. Query events are always emitted (cheap without listeners) so one
 * client type serves the subgraph and the tests that count round trips at the driver boundary.
 */
export type CoreDb = PrismaClient<'query' | 'warn' | 'error'>;
/** The client inside `$transaction(async (tx) => …)`. */
export type CoreTx = Prisma.TransactionClient;

export interface DbOptions {
  databaseUrl: string;
  poolSize?: number;
  /** Where Prisma's warnings and errors go. */
  onLog?: (level: 'warn' | 'error', message: string) => void;
  /** Counts every round trip to PostgreSQL (`store_requests_total{store="postgres"}`). */
  requests?: StoreRequestCounter;
}

/** Interactive transactions wait at most this long for a connection and may run this long. */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 } as const;

export function createDb({ databaseUrl, poolSize = 10, onLog, requests }: DbOptions): CoreDb {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  if (requests) {
    // Counted at the wire, on every connection of the pool: PostgreSQL ends each round trip (a
    // statement, or BEGIN/COMMIT/ROLLBACK of a transaction, failed ones too) with ReadyForQuery.
    // Prisma's query events would miss the BEGIN of every transaction. The connection's own
    // start-up ReadyForQuery has passed when the pool emits 'connect', so it is not counted.
    pool.on('connect', (client) => client.connection.on('readyForQuery', () => requests.inc()));
  }
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const db = new PrismaClient({
    adapter,
    transactionOptions: TRANSACTION_OPTIONS,
    log: [
      { emit: 'event', level: 'query' },
      { emit: 'event', level: 'warn' },
      { emit: 'event', level: 'error' },
    ],
  });
  if (onLog) {
    db.$on('warn', (event) => onLog('warn', event.message));
    db.$on('error', (event) => onLog('error', event.message));
  }
  return db;
}

/** Readiness probe. */
export async function pingDb(db: CoreDb): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUID columns: anything else cannot exist, and PostgreSQL would reject it in a query. */
export const isUuid = (value: string): boolean => uuidPattern.test(value);

/** The unique field a P2002 error is about (`User_email_key` -> `email`), or null for another error. */
export function uniqueViolationField(error: unknown): string | null {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return null;
  const meta = (error.meta ?? {}) as {
    target?: unknown;
    driverAdapterError?: { cause?: { constraint?: { fields?: unknown; index?: unknown } } };
  };
  const constraint = meta.driverAdapterError?.cause?.constraint;
  const fields = Array.isArray(constraint?.fields)
    ? constraint.fields
    : Array.isArray(meta.target)
      ? meta.target
      : null;
  if (fields && typeof fields[0] === 'string') return fields[0];
  const index =
    typeof constraint?.index === 'string'
      ? constraint.index
      : typeof meta.target === 'string'
        ? meta.target
        : '';
  // Prisma names unique indexes <Model>_<field>_key.
  const match = /^[A-Za-z]+_(.+)_key$/.exec(index);
  return match?.[1] ?? 'unknown';
}
