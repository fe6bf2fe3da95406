import { seedContent } from '@aetherial/content/seed';
import { seedCore } from '@aetherial/core/seed';
import { createDriver } from '@aetherial/social/neo4j';
import { seedSocial, type SeedPost, type SeedSummary } from '@aetherial/social/seed';
import { seededRandom } from '@aetherial/subgraph-kit';
import { MongoClient, ObjectId } from 'mongodb';
import { postgres } from '../stores/postgres.js';
import { ferretdb } from '../stores/ferretdb.js';
import { neo4j } from '../stores/neo4j.js';
import { storeUrl } from '../url.js';
import type { SeedSize } from './size.js';

/** Timestamps are spread over the year before this instant, so the same seed gives the same graph. */
const SEED_NOW = new Date('2026-11-01T00:00:00Z');

/** Where a seed writes: the three sources of truth (search and semantic fill up from their events). */
export interface SeedTargets {
  /** core's PostgreSQL database (migrated by the seed if needed). */
  databaseUrl: string;
  /** content's MongoDB-protocol database. */
  mongodbUrl: string;
  neo4jUrl: string;
  neo4jUser?: string | undefined;
  neo4jPassword?: string | undefined;
}

/** The stack's stores (`DATABASE_URL`, `MONGODB_URL`, `NEO4J_URL` or their defaults). */
export function stackSeedTargets(): SeedTargets {
  return {
    databaseUrl: storeUrl(postgres).toString(),
    mongodbUrl: storeUrl(ferretdb).toString(),
    neo4jUrl: storeUrl(neo4j).toString(),
    neo4jUser: process.env.NEO4J_USER,
    neo4jPassword: process.env.NEO4J_PASSWORD,
  };
}

export interface SeededGraph {
  userIds: string[];
  postIds: string[];
  productIds: string[];
  /** What social holds: follows and likes as seeded (follows are capped at n·(n−1) for n users). */
  social: SeedSummary;
  /** Seconds each source of truth took. */
  seconds: { core: number; content: number; social: number };
}

async function timed<T>(
  log: (message: string) => void,
  label: string,
  work: () => Promise<T>,
): Promise<{ result: T; seconds: number }> {
  const started = Date.now();
  log(`${label}…`);
  const result = await work();
  const seconds = (Date.now() - started) / 1000;
  log(`${label}: done in ${seconds.toFixed(1)}s`);
  return { result, seconds };
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
 * A deterministic graph across the three sources of truth, each through its bulk path: the demo
 * graph (`npm run seed`, `npm start`), the whole-graph tests' and the benchmarks' (each into their
 * own namespace through `targets`). Core and content write their outbox events with the data, so
 * search and semantic fill up from the event stream once the subgraphs run; social is seeded
 * directly with follows and likes (it owns them). The same size (seed included) gives the same data
 * and ids.
 */
export async function seedGraph(
  size: SeedSize,
  log: (message: string) => void,
  targets: SeedTargets = stackSeedTargets(),
): Promise<SeededGraph> {
  const random = seededRandom(size.seed);
  const { databaseUrl, mongodbUrl } = targets;
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
  const content = await timed(log, 'content (MongoDB protocol)', () =>
    seedContent({
      authorIds: core.result.userIds,
      posts: size.posts,
      commentsPerPost: size.commentsPerPost ?? 1,
      ...(size.draftShare === undefined ? {} : { draftShare: size.draftShare }),
      random,
      mongodbUrl,
      now: SEED_NOW,
      chunkSize: 200,
    }),
  );
  const driver = createDriver({
    NEO4J_URL: targets.neo4jUrl,
    NEO4J_USER: targets.neo4jUser,
    NEO4J_PASSWORD: targets.neo4jPassword,
  });
  let social: { result: SeedSummary; seconds: number };
  try {
    social = await timed(log, 'social (Neo4j)', async () =>
      seedSocial({
        driver,
        userIds: core.result.userIds,
        posts: await readPosts(mongodbUrl, content.result),
        follows: size.follows,
        likes: size.likes,
        random,
      }),
    );
  } finally {
    await driver.close();
  }
  return {
    userIds: core.result.userIds,
    postIds: content.result,
    productIds: core.result.productIds,
    social: social.result,
    seconds: { core: core.seconds, content: content.seconds, social: social.seconds },
  };
}
