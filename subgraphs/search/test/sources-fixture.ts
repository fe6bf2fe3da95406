import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DomainEvent } from '@aetherial/events';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import pg from 'pg';
import { domainEvent } from './helpers.js';

/**
 * Test copies of the sources of truth: PostgreSQL database `aetherial_search_test` with the core
 * subgraph's own migrations applied (so the reindex reads the real "User"/"Product" layout), and
 * MongoDB database `aetherial_search_test` with a `posts` collection shaped like content's model.
 * Every change returns the domain event the owning subgraph would publish for it.
 */
const TEST_DB = 'aetherial_search_test';
const adminUrl = process.env.DATABASE_URL ?? 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial';
const mongoBase = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/aetherial';
const coreMigrations = fileURLToPath(new URL('../../core/prisma/migrations/', import.meta.url));

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export const testDatabaseUrl = withDatabase(adminUrl, TEST_DB);
export const testMongoUrl = withDatabase(mongoBase, TEST_DB);

export interface SourcesFixture {
  pool: pg.Pool;
  mongo: MongoClient;
  db: Db;
  createUser(handle: string, displayName: string): Promise<{ id: string; event: DomainEvent }>;
  renameUser(id: string, displayName: string): Promise<DomainEvent>;
  createProduct(sku: string, title: string, priceCents: number): Promise<{ id: string; event: DomainEvent }>;
  repriceProduct(id: string, priceCents: number): Promise<DomainEvent>;
  createPost(
    title: string,
    tags: string[],
    status?: 'DRAFT' | 'PUBLISHED',
  ): Promise<{ id: string; event: DomainEvent }>;
  setPostStatus(id: string, status: 'DRAFT' | 'PUBLISHED'): Promise<DomainEvent>;
  deletePost(id: string): Promise<DomainEvent>;
  close(): Promise<void>;
}

async function resetPostgres(): Promise<pg.Pool> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${TEST_DB}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // already exists
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 2 });
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  const folders = (await readdir(coreMigrations, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (folders.length === 0) throw new Error(`no core migrations in ${coreMigrations}`);
  for (const folder of folders)
    await pool.query(await readFile(`${coreMigrations}${folder}/migration.sql`, 'utf8'));
  return pool;
}

const iso = (value: Date): string => value.toISOString();

export async function sourcesFixture(): Promise<SourcesFixture> {
  const pool = await resetPostgres();
  const mongo = new MongoClient(testMongoUrl);
  await mongo.connect();
  const db = mongo.db();
  await db
    .collection('posts')
    .drop()
    .catch(() => undefined);
  const posts = db.collection('posts');
  // Distinct, increasing creation times at millisecond precision (timestamptz(3) keeps them exactly).
  let clock = Date.parse('2025-03-01T00:00:00.000Z');
  const now = () => new Date((clock += 1001));

  interface UserRow {
    id: string;
    handle: string;
    displayName: string;
    createdAt: Date;
    version: number;
  }
  interface ProductRow {
    id: string;
    sku: string;
    title: string;
    description: string;
    priceCents: number;
    currency: string;
    stock: number;
    createdAt: Date;
    updatedAt: Date;
    version: number;
  }

  const userEvent = (type: string, row: UserRow) =>
    domainEvent(type, row.id, row.version, {
      id: row.id,
      handle: row.handle,
      displayName: row.displayName,
      createdAt: iso(row.createdAt),
    });
  const productEvent = (type: string, row: ProductRow) =>
    domainEvent(type, row.id, row.version, {
      id: row.id,
      sku: row.sku,
      title: row.title,
      description: row.description,
      priceCents: row.priceCents,
      currency: row.currency.trim(),
      stock: row.stock,
      createdAt: iso(row.createdAt),
      updatedAt: iso(row.updatedAt),
    });
  const postEvent = async (type: string, id: string) => {
    const post = await posts.findOne({ _id: new ObjectId(id) });
    if (!post) throw new Error(`no post ${id}`);
    return domainEvent(
      type,
      id,
      post.version as number,
      type === 'PostDeleted'
        ? null
        : {
            id,
            authorId: post.authorId,
            title: post.title,
            body: post.body,
            tags: post.tags,
            status: post.status,
            version: post.version,
            createdAt: iso(post.createdAt as Date),
            updatedAt: iso(post.updatedAt as Date),
          },
    );
  };

  return {
    pool,
    mongo,
    db,
    async createUser(handle, displayName) {
      const { rows } = await pool.query<UserRow>(
        `INSERT INTO "User" (id, handle, "displayName", email, "passwordHash", "createdAt") VALUES ($1, $2, $3, $4, 'x', $5)
         RETURNING id, handle, "displayName", "createdAt", version`,
        [randomUUID(), handle, displayName, `${handle}@example.test`, now()],
      );
      return { id: rows[0]!.id, event: userEvent('UserCreated', rows[0]!) };
    },
    async renameUser(id, displayName) {
      const { rows } = await pool.query<UserRow>(
        `UPDATE "User" SET "displayName" = $2, version = version + 1 WHERE id = $1 RETURNING id, handle, "displayName", "createdAt", version`,
        [id, displayName],
      );
      return userEvent('UserUpdated', rows[0]!);
    },
    async createProduct(sku, title, priceCents) {
      const created = now();
      const { rows } = await pool.query<ProductRow>(
        `INSERT INTO "Product" (id, sku, title, description, "priceCents", stock, "createdAt", "updatedAt")
         VALUES ($1, $2, $3, $4, $5, 10, $6, $6) RETURNING *`,
        [randomUUID(), sku, title, `About ${title}`, priceCents, created],
      );
      return { id: rows[0]!.id, event: productEvent('ProductCreated', rows[0]!) };
    },
    async repriceProduct(id, priceCents) {
      const { rows } = await pool.query<ProductRow>(
        `UPDATE "Product" SET "priceCents" = $2, version = version + 1, "updatedAt" = $3 WHERE id = $1 RETURNING *`,
        [id, priceCents, now()],
      );
      return productEvent('ProductUpdated', rows[0]!);
    },
    async createPost(title, tags, status = 'PUBLISHED') {
      const _id = new ObjectId();
      const created = now();
      await posts.insertOne({
        _id,
        authorId: randomUUID(),
        title,
        body: `The body of ${title}`,
        tags,
        status,
        version: 1,
        createdAt: created,
        updatedAt: created,
        commentCount: 0,
        deletedAt: null,
        pendingEvents: [],
        hasPendingEvents: false,
      });
      const id = _id.toHexString();
      return { id, event: await postEvent('PostCreated', id) };
    },
    async setPostStatus(id, status) {
      await posts.updateOne(
        { _id: new ObjectId(id) },
        { $set: { status, updatedAt: now() }, $inc: { version: 1 } },
      );
      return postEvent('PostUpdated', id);
    },
    async deletePost(id) {
      // As content does: marked deleted (version + 1) until the relay published PostDeleted.
      await posts.updateOne({ _id: new ObjectId(id) }, { $set: { deletedAt: now() }, $inc: { version: 1 } });
      return postEvent('PostDeleted', id);
    },
    async close() {
      await pool.end();
      await mongo.close();
    },
  };
}
