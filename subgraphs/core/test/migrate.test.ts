import { createHash } from 'node:crypto';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDatabase, migrate, MIGRATIONS_DIR } from '../src/migrate.js';
import { ADMIN_DATABASE_URL, databaseUrl } from './helpers.js';

/** A database of its own: these tests start from nothing. */
const SCRATCH = 'aetherial_core_test_migrate';
const url = databaseUrl(SCRATCH);
const INIT = '20261130120000_init';
const ROLES = '20261207013000_user_roles';
const ALL = [INIT, ROLES];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const dropScratch = () =>
  admin((client) => client.query(`DROP DATABASE IF EXISTS "${SCRATCH}" WITH (FORCE)`));

beforeEach(async () => {
  await dropScratch();
  await ensureDatabase(ADMIN_DATABASE_URL, SCRATCH);
});
afterAll(dropScratch);

describe('migrate', () => {
  it("applies the migrations and records them in Prisma's _prisma_migrations table", async () => {
    const result = await migrate({ databaseUrl: url });
    expect(result).toEqual({ applied: ALL, alreadyApplied: [] });

    const tables = (
      await query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      )
    ).map((row) => row.table_name);
    expect(tables).toEqual(['Order', 'OrderItem', 'OutboxEvent', 'Product', 'User', '_prisma_migrations']);

    const sql = await readFile(join(MIGRATIONS_DIR, INIT, 'migration.sql'), 'utf8');
    const [row, ...others] = await query<Record<string, unknown>>(
      `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(others.map((other) => other.migration_name)).toEqual([ROLES]);
    expect(row).toMatchObject({
      migration_name: INIT,
      checksum: createHash('sha256').update(sql).digest('hex'),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(row!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row!.finished_at).toBeInstanceOf(Date);

    // The columns Prisma's schema engine creates and reads.
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((column) => [column.column_name, column.data_type, column.is_nullable])).toEqual([
      ['id', 'character varying', 'NO'],
      ['checksum', 'character varying', 'NO'],
      ['finished_at', 'timestamp with time zone', 'YES'],
      ['migration_name', 'character varying', 'NO'],
      ['logs', 'text', 'YES'],
      ['rolled_back_at', 'timestamp with time zone', 'YES'],
      ['started_at', 'timestamp with time zone', 'NO'],
      ['applied_steps_count', 'integer', 'NO'],
    ]);
  });

  it('is idempotent', async () => {
    await migrate({ databaseUrl: url });
    expect(await migrate({ databaseUrl: url })).toEqual({ applied: [], alreadyApplied: ALL });
    expect(await query(`SELECT 1 FROM "_prisma_migrations"`)).toHaveLength(2);
  });

  it('two instances starting at once apply each migration once (advisory lock)', async () => {
    const results = await Promise.all([
      migrate({ databaseUrl: url }),
      migrate({ databaseUrl: url }),
      migrate({ databaseUrl: url }),
    ]);
    expect(results.flatMap((result) => result.applied)).toEqual(ALL);
    expect(await query(`SELECT 1 FROM "_prisma_migrations"`)).toHaveLength(2);
  });

  it('a failing migration leaves neither its changes nor a history row, and later runs still stop at it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'core-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await mkdir(join(dir, '20991231000000_broken'));
      await writeFile(
        join(dir, '20991231000000_broken', 'migration.sql'),
        'CREATE TABLE "Partial" ("id" INTEGER);\nSELECT 1 / 0;\n',
      );
      await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
        /20991231000000_broken failed and was rolled back/,
      );
      expect(
        (await query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations"`)).map(
          (row) => row.migration_name,
        ),
      ).toEqual(ALL);
      expect(await query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'Partial'`)).toEqual([]);
      await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
        /20991231000000_broken failed/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives the accounts of a database from before roles the customer role', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'core-migrations-'));
    try {
      await cp(join(MIGRATIONS_DIR, INIT), join(dir, INIT), { recursive: true });
      expect(await migrate({ databaseUrl: url, migrationsDir: dir })).toMatchObject({ applied: [INIT] });
      await query(
        `INSERT INTO "User" (handle, "displayName", email, "passwordHash") VALUES ('old_timer', 'Old', 'old@example.org', 'x')`,
      );
      expect(await migrate({ databaseUrl: url })).toEqual({ applied: [ROLES], alreadyApplied: [INIT] });
      expect(await query(`SELECT handle, role::text FROM "User"`)).toEqual([
        { handle: 'old_timer', role: 'customer' },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warns when an applied migration was edited afterwards', async () => {
    await migrate({ databaseUrl: url });
    const dir = await mkdtemp(join(tmpdir(), 'core-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(join(dir, INIT, 'migration.sql'), '-- edited\n', { flag: 'a' });
      const messages: string[] = [];
      await migrate({ databaseUrl: url, migrationsDir: dir, log: (message) => messages.push(message) });
      expect(messages).toEqual([
        expect.stringContaining(`migration ${INIT} was edited after it was applied`),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to run over a migration Prisma recorded as failed (like P3009)', async () => {
    await migrate({ databaseUrl: url });
    await query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, 'x', '20991231000000_failed', now(), 0)`,
      ['00000000-0000-4000-8000-000000000000'],
    );
    await expect(migrate({ databaseUrl: url })).rejects.toThrow(/20991231000000_failed failed earlier/);
  });
});
