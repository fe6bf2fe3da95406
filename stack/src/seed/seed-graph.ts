import { seedContent } from '@aetherial/content/seed';
import { seedCore } from '@aetherial/core/seed';
import { createDriver } from '@aetherial/social/neo4j';
import { seedSocial, type SeedPost } from '@aetherial/social/seed';
import { seededRandom } from '@aetherial/subgraph-kit';
import { MongoClient, ObjectId } from 'mongodb';
import { postgres } from '../stores/postgres.js';
import { ferretdb } from '../stores/ferretdb.js';
import { neo4j } from '../stores/neo4j.js';
import { storeUrl } from '../url.js';
import type { SeedSize } from './size.js';

/** Timestamps are spread over the year before this instant, so the same seed gives the same graph. */
const SEED_NOW = new Date('2026-11-01T00:00:00Z');

async function timed<T>(log: (message: string) => void, label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(`${label}…`);
  const result = await work();
  log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return result;
}

/**
 * Post facts social needs to seed likes and authorship, read back from the content store in one
 * scan (FerretDB pushes no `$in` down: a scan with a projection is cheaper than chunks of ids).
 */
async function readPosts(mongodbUrl: string, ids: string[]): Promise<SeedPost[]> {
  const wanted = new Set(ids);
  const client = await MongoClient.connect(mongodbUrl);
  try {
    const docs = await client
      .db()
      .collection<{ _id: ObjectId; authorId: string; createdAt: Date; status: string; version: number }>(
        'posts',
      )
      .find({}, { projection: { authorId: 1, createdAt: 1, status: 1, version: 1 } })
      .toArray();
    return docs
      .filter((doc) => wanted.has(doc._id.toHexString()))
      .map((doc) => ({
        id: doc._id.toHexString(),
        authorId: doc.authorId,
        createdAt: doc.createdAt,
        status: doc.status,
        version: doc.version,
      }));
  } finally {
    await client.close();
  }
}

/**
 * The demo graph across the three sources of truth, each through its bulk path. Core and content
 * write their outbox events with the data, so search and semantic fill up from the event stream
 * once the subgraphs run; social is seeded directly with follows and likes (it owns them).
 */
export async function seedGraph(size: SeedSize, log: (message: string) => void): Promise<void> {
  const random = seededRandom(size.seed);
  const databaseUrl = storeUrl(postgres).toString();
  const mongodbUrl = storeUrl(ferretdb).toString();
  log(
    `seed ${size.seed}: ${size.users} users, ${size.products} products, ${size.orders} orders, ` +
      `${size.posts} posts, ${size.follows} follows, ${size.likes} likes`,
  );
  const core = await timed(log, 'core (PostgreSQL)', () =>
    seedCore({
      users: size.users,
      products: size.products,
      orders: size.orders,
      random,
      databaseUrl,
      now: SEED_NOW,
    }),
  );
  const postIds = await timed(log, 'content (MongoDB protocol)', () =>
    seedContent({
      authorIds: core.userIds,
      posts: size.posts,
      commentsPerPost: 1,
      random,
      mongodbUrl,
      now: SEED_NOW,
      chunkSize: 200,
    }),
  );
  const posts = await readPosts(mongodbUrl, postIds);
  const driver = createDriver({
    NEO4J_URL: storeUrl(neo4j).toString(),
    NEO4J_USER: process.env.NEO4J_USER,
    NEO4J_PASSWORD: process.env.NEO4J_PASSWORD,
  });
  try {
    await timed(log, 'social (Neo4j)', () =>
      seedSocial({ driver, userIds: core.userIds, posts, follows: size.follows, likes: size.likes, random }),
    );
  } finally {
    await driver.close();
  }
  log(`demo users sign in with their handle (e.g. ${'user0001'}) and the password "demo-password"`);
}
