import { randomUUID } from 'node:crypto';
import { parseEventFields, startOutboxRelay } from '@aetherial/events';
import { createLogger, seededRandom } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentOutbox } from '../src/outbox.js';
import { seedContent, type SeedContentOptions } from '../src/seed.js';
import type { ContentSubgraph } from '../src/subgraph.js';
import { clearCollections, dropTestDatabase, newUserId, startTestSubgraph, testConfig } from './helpers.js';

let subgraph: ContentSubgraph;
const authors = [newUserId(), newUserId(), newUserId()];

beforeAll(async () => {
  await dropTestDatabase();
  subgraph = await startTestSubgraph();
});
afterAll(async () => {
  await subgraph?.stop();
});
beforeEach(async () => {
  await clearCollections(subgraph);
});

const options = (): SeedContentOptions => ({
  store: subgraph.store,
  authorIds: authors,
  posts: 30,
  commentsPerPost: 2,
  random: seededRandom(42),
  now: new Date('2025-05-01T12:00:00.000Z'),
  chunkSize: 7,
});

async function snapshot() {
  const posts = await subgraph.store.posts.find().sort({ _id: 1 }).lean().exec();
  const comments = await subgraph.store.comments.find().sort({ _id: 1 }).lean().exec();
  return {
    posts: posts.map(({ _id, authorId, title, body, tags, status, createdAt, commentCount }) => ({
      _id,
      authorId,
      title,
      body,
      tags,
      status,
      createdAt,
      commentCount,
    })),
    comments: comments.map(({ _id, postId, authorId, body, createdAt }) => ({
      _id,
      postId,
      authorId,
      body,
      createdAt,
    })),
  };
}

describe('seedContent', () => {
  it('writes readable posts and comments with a true commentCount, and an outbox event for each', async () => {
    const ids = await seedContent(options());
    expect(ids).toHaveLength(30);
    const { posts, comments } = await snapshot();
    expect(posts).toHaveLength(30);
    expect(comments).toHaveLength(60);
    for (const post of posts) {
      expect(authors).toContain(post.authorId);
      expect(post.title.length).toBeGreaterThan(5);
      // Paragraphs of real sentences: words, spaces and full stops.
      expect(post.body.split('\n\n').length).toBeGreaterThanOrEqual(3);
      expect(post.body).toMatch(/^[A-Z][^]*\.$/);
      expect(post.tags.length).toBeGreaterThan(0);
      for (const tag of post.tags) expect(tag).toBe(tag.toLowerCase());
      expect(post.commentCount).toBe(2);
    }
    expect(new Set(posts.map((post) => post.title)).size).toBeGreaterThan(20);
    const events = await subgraph.store.outboxEvents.find().lean().exec();
    expect(events.filter((event) => event.type === 'CommentAdded')).toHaveLength(60);
    const created = events.filter((event) => event.type === 'PostCreated');
    expect(created.map((event) => event.entityId).sort()).toEqual([...ids].sort());
    for (const event of created) {
      const post = posts.find((candidate) => candidate._id.toHexString() === event.entityId);
      expect(event).toMatchObject({
        entity: 'Post',
        version: 1,
        payload: { title: post?.title, authorId: post?.authorId },
      });
    }
    // Nothing embedded to clear later; one outbox batch per chunk of 7 posts.
    expect(await subgraph.store.posts.countDocuments({ hasPendingEvents: true })).toBe(0);
    expect(await subgraph.store.outboxBatches.countDocuments()).toBe(5);
  });

  it('is deterministic given random and now, and a re-run inserts nothing new', async () => {
    const firstIds = await seedContent(options());
    const first = await snapshot();
    expect(await seedContent(options())).toEqual(firstIds);
    expect(await snapshot()).toEqual(first);
    // Events only for what a run inserted: the re-run added none.
    expect(await subgraph.store.outboxEvents.countDocuments()).toBe(90);

    await clearCollections(subgraph);
    expect(await seedContent(options())).toEqual(firstIds);
    expect(await snapshot()).toEqual(first);

    await clearCollections(subgraph);
    await seedContent({ ...options(), random: seededRandom(43) });
    expect((await snapshot()).posts.map((post) => post.title)).not.toEqual(
      first.posts.map((post) => post.title),
    );
  });

  it('is published by the relay like any other write', async () => {
    await seedContent(options());
    const redis = new Redis(testConfig().REDIS_URL);
    const stream = `aetherial:test:content:${randomUUID()}`;
    const relay = startOutboxRelay({
      outbox: new ContentOutbox(subgraph.store),
      redis,
      log: createLogger('seed-test', 'silent'),
      stream,
      intervalMs: 5,
    });
    try {
      await relay.flush();
      await relay.stop();
      const events = (await redis.xrange(stream, '-', '+')).map(([, fields]) => parseEventFields(fields));
      expect(events.filter((event) => event.type === 'PostCreated')).toHaveLength(30);
      expect(events.filter((event) => event.type === 'CommentAdded')).toHaveLength(60);
      // The seeded history replays in order: posts oldest first, every comment after its post.
      const postTimes = events
        .filter((event) => event.type === 'PostCreated')
        .map((event) => Date.parse(event.occurredAt));
      expect(postTimes).toEqual([...postTimes].sort((a, b) => a - b));
      const position = new Map(events.map((event, index) => [event.entityId, index]));
      for (const [index, event] of events.entries()) {
        if (event.type === 'CommentAdded')
          expect(position.get(String(event.payload?.postId))).toBeLessThan(index);
      }
    } finally {
      await relay.stop();
      await redis.del(stream);
      await redis.quit();
    }
  });
});
