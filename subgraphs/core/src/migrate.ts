import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

/**
 * Applies `prisma/migrations/<stamp>_<name>/migration.sql` folders the database has not seen, in
 * name order, each in its own transaction, and records them in Prisma's own `_prisma_migrations`
 * table exactly as `prisma migrate deploy` does (same columns, checksum = sha256 hex of the file).
 * A team with the native Prisma toolchain can therefore run `prisma migrate status/deploy` on the
 * same database later. We need this because the Prisma 7 CLI's native schema engine cannot be
 * downloaded on this machine.
 */

export const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations/', import.meta.url));

/** The advisory lock key Prisma's schema engine takes on PostgreSQL, so we also exclude `prisma migrate`. */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** Prisma's definition of its history table on PostgreSQL. */
const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export interface MigrateOptions {
  databaseUrl: string;
  migrationsDir?: string;
  log?: (message: string) => void;
}

export const checksumOf = (sql: string): string => createHash('sha256').update(sql, 'utf8').digest('hex');

export async function readMigrations(migrationsDir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    }),
  );
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function migrate({
  databaseUrl,
  migrationsDir,
  log = () => {},
}: MigrateOptions): Promise<MigrationResult> {
  const migrations = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Session lock: a second instance starting at the same moment waits here, then finds nothing to do.
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    await client.query(CREATE_HISTORY_TABLE);
    const { rows } = await client.query<HistoryRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      // The same refusal as Prisma's P3009: a half-applied migration needs a human.
      throw new Error(
        `migration ${failed.migration_name} failed earlier and is not rolled back; resolve it (prisma migrate resolve) first`,
      );
    }
    const finished = new Map(
      rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]),
    );
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const done = finished.get(migration.name);
      if (done) {
        if (done.checksum !== migration.checksum) {
          log(`warning: migration ${migration.name} was edited after it was applied (checksum differs)`);
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      await applyOne(client, migration);
      log(`applied migration ${migration.name}`);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/** The migration and its history row commit together, or neither does. */
async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  const startedAt = new Date();
  await client.query('BEGIN');
  try {
    await client.query(migration.sql); // simple query protocol: runs every statement of the file
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)`,
      [randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new Error(`migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Creates a database if it does not exist (tests use their own), connecting through `adminUrl`. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new Error(`refusing to create a database named ${JSON.stringify(name)}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created by a concurrent caller meanwhile
      });
    }
  } finally {
    await client.end();
  }
}

// `npm run migrate`: apply pending migrations to CORE_DATABASE_URL.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { loadCoreConfig } = await import('./config.js');
  const config = loadCoreConfig();
  const result = await migrate({
    databaseUrl: config.CORE_DATABASE_URL,
    log: (message) => console.log(message),
  });
  console.log(
    result.applied.length === 0
      ? `database is up to date (${result.alreadyApplied.length} migrations applied before)`
      : `applied ${result.applied.length} migration(s)`,
  );
}
