import { seedContent } from '@aetherial/content/seed';
import { seedCore } from '@aetherial/core/seed';
import { createDriver } from '@aetherial/social/neo4j';
import { seedSocial } from '@aetherial/social/seed';
import { seededRandom } from '@aetherial/subgraph-kit';
import { MongoClient, ObjectId } from 'mongodb';
import { e2e } from './namespace.js';

export interface SeededGraph {
  userIds: string[];
  postIds: string[];
  productIds: string[];
}

/** A small graph through the real seed paths of core, content and social. */
export async function seedSmallGraph(): Promise<SeededGraph> {
  const random = seededRandom(7);
  const now = new Date('2026-11-01T00:00:00Z');
  const core = await seedCore({
    users: 24,
    products: 12,
    orders: 10,
    random,
    databaseUrl: e2e.databaseUrl,
    now,
  });
  const postIds = await seedContent({
    authorIds: core.userIds,
    posts: 150,
    commentsPerPost: 2,
    draftShare: 0,
    random,
    mongodbUrl: e2e.mongodbUrl,
    now,
  });
  const mongo = await MongoClient.connect(e2e.mongodbUrl);
  const posts = await mongo
    .db()
    .collection<{ _id: ObjectId; authorId: string; createdAt: Date; status: string; version: number }>(
      'posts',
    )
    .find({ _id: { $in: postIds.map((id) => new ObjectId(id)) } })
    .toArray();
  await mongo.close();
  const driver = createDriver({ NEO4J_URL: e2e.neo4jUrl, NEO4J_USER: undefined, NEO4J_PASSWORD: undefined });
  try {
    await seedSocial({
      driver,
      userIds: core.userIds,
      posts: posts.map((post) => ({
        id: post._id.toHexString(),
        authorId: post.authorId,
        createdAt: post.createdAt,
        status: post.status,
        version: post.version,
      })),
      follows: 120,
      likes: 300,
      random,
    });
  } finally {
    await driver.close();
  }
  return { userIds: core.userIds, postIds, productIds: core.productIds };
}
