import { deadLetterStream, startConsumer, VERSION_GUARD_SCENARIOS } from '@aetherial/events';
import type { Redis } from 'ioredis';
import { configure, type WeaviateClient } from 'weaviate-client';
import {
  ensureTombstoneCollection,
  tombstoneCollectionName,
  tombstoneGuardProperties,
} from '../src/collection-schema.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultEmbedder } from '../src/embedder.js';
import { createEventHandler, startIndexer } from '../src/indexer.js';
import { objectIdOf, PostIndex } from '../src/store.js';
import { connectWeaviate, isWeaviateOutage } from '../src/weaviate.js';
import {
  connectTestRedis,
  connectTestWeaviate,
  dropTestIndex,
  newPostId,
  postEvent,
  publish,
  silentLog,
  storedPosts,
  testAlias,
  testStream,
  waitFor,
} from './helpers.js';

const alias = testAlias('indexer');
let weaviate: WeaviateClient;
let redis: Redis;
let index: PostIndex;
let handle: ReturnType<typeof createEventHandler>;

const stored = async (postId: string) =>
  (await storedPosts(weaviate, alias)).find((post) => post.postId === postId);

beforeAll(async () => {
  weaviate = await connectTestWeaviate();
  redis = connectTestRedis();
  index = new PostIndex(weaviate, alias);
  await index.ensure(defaultEmbedder().name);
  handle = createEventHandler(index, defaultEmbedder(), silentLog);
});

afterAll(async () => {
  await dropTestIndex(weaviate, alias);
  await weaviate?.close();
  redis?.disconnect();
});

describe('the version-guard contract of @aetherial/events on Weaviate', () => {
  // Each step is one delivery (one batch); visibility is checked by a search, as readers see it.
  for (const scenario of VERSION_GUARD_SCENARIOS) {
    it(scenario.name, async () => {
      const postId = newPostId();
      const title = `Guarded kombucha fermentation ${postId}`;
      const applied: boolean[] = [];
      for (const step of scenario.steps) {
        const event = step.deleted
          ? postEvent('PostDeleted', postId, step.version)
          : postEvent(step.version === 1 ? 'PostCreated' : 'PostUpdated', postId, step.version, {
              title: `${title} v${step.version}`,
              body: 'Second fermentation in bottles.',
            });
        const stats = await handle([event]);
        applied.push(stats.skippedAsStale === 0);
      }
      expect(applied).toEqual(scenario.applied);
      const last = Math.max(...scenario.steps.map((step) => step.version));
      const record = (await index.guardRecords([postId])).get(postId);
      expect(record).toMatchObject({ version: last, deleted: scenario.visibleVersion === null });
      const [vector] = await defaultEmbedder().embed([title]);
      const hits = await index.nearVector(vector!, 50);
      expect(hits.some((hit) => hit.postId === postId)).toBe(scenario.visibleVersion !== null);
      expect((await stored(postId))?.version ?? null).toBe(scenario.visibleVersion);
    });
  }

  it('a post both live and buried (a batch interrupted between its writes) is tidied by the redelivery', async () => {
    const postId = newPostId();
    await handle([postEvent('PostCreated', postId, 1, { title: 'Half-deleted post', body: 'b' })]);
    // The delete at v2 wrote its tombstone, then the process died before the live object went.
    await index.bury([{ postId, version: 2 }]);
    const redelivered = await handle([postEvent('PostDeleted', postId, 2)]);
    expect(redelivered).toMatchObject({ skippedAsStale: 1, deleted: 1 });
    expect(await stored(postId)).toBeUndefined();
    expect((await index.guardRecords([postId])).get(postId)).toEqual({
      version: 2,
      deleted: true,
      live: false,
      tombstone: true,
    });
  });
});

describe('applying post events', () => {
  it('indexes a published post with its fields, id derived from the post id, and its vector', async () => {
    const postId = newPostId();
    await handle([
      postEvent('PostCreated', postId, 1, {
        title: 'Learning Spanish with flashcards',
        body: 'Spaced repetition works.',
        tags: ['languages', 'learning'],
        authorId: 'author-x',
        createdAt: '2024-05-01T12:00:00.000Z',
      }),
    ]);
    const post = await stored(postId);
    expect(post).toMatchObject({
      title: 'Learning Spanish with flashcards',
      version: 1,
      tags: ['languages', 'learning'],
      authorId: 'author-x',
      status: 'PUBLISHED',
      createdAt: '2024-05-01T12:00:00.000Z',
    });
    expect(post!.vector).toHaveLength(defaultEmbedder().dimensions);
    expect(Math.hypot(...post!.vector)).toBeCloseTo(1, 4);
    expect(await weaviate.collections.use(alias).data.exists(objectIdOf(postId))).toBe(true);
  });

  it('keeps drafts out and removes a post that goes back to draft', async () => {
    const draft = newPostId();
    const unpublished = newPostId();
    await handle([
      postEvent('PostCreated', draft, 1, { title: 'Draft', body: 'not yet', status: 'DRAFT' }),
      postEvent('PostCreated', unpublished, 1, { title: 'Published for a while', body: 'then hidden' }),
    ]);
    expect(await stored(draft)).toBeUndefined();
    expect(await stored(unpublished)).toBeDefined();
    await handle([
      postEvent('PostUpdated', unpublished, 2, { title: 'Hidden again', body: 'x', status: 'DRAFT' }),
    ]);
    expect(await stored(unpublished)).toBeUndefined();
  });

  it('ignores events older than or equal to the stored version (version guard)', async () => {
    const postId = newPostId();
    await handle([postEvent('PostCreated', postId, 1, { title: 'Version one', body: 'b' })]);
    const newer = await handle([postEvent('PostUpdated', postId, 3, { title: 'Version three', body: 'b' })]);
    expect(newer.upserted).toBe(1);
    const older = await handle([postEvent('PostUpdated', postId, 2, { title: 'Version two', body: 'b' })]);
    expect(older).toMatchObject({ upserted: 0, skippedAsStale: 1 });
    const redelivered = await handle([
      postEvent('PostUpdated', postId, 3, { title: 'Version three again', body: 'b' }),
    ]);
    expect(redelivered.skippedAsStale).toBe(1);
    expect(await stored(postId)).toMatchObject({ title: 'Version three', version: 3 });
  });

  it('keeps the newest event of a post within one batch, in whatever order it came', async () => {
    const postId = newPostId();
    await handle([
      postEvent('PostUpdated', postId, 3, { title: 'Third', body: 'b' }),
      postEvent('PostCreated', postId, 1, { title: 'First', body: 'b' }),
      postEvent('PostUpdated', postId, 2, { title: 'Second', body: 'b' }),
    ]);
    expect(await stored(postId)).toMatchObject({ title: 'Third', version: 3 });
  });

  it('removes a deleted post, and a delete of an unknown post changes nothing', async () => {
    const postId = newPostId();
    await handle([postEvent('PostCreated', postId, 1, { title: 'Short-lived', body: 'b' })]);
    const countBefore = await index.count();
    const deleted = await handle([
      postEvent('PostDeleted', postId, 2),
      postEvent('PostDeleted', newPostId(), 5),
    ]);
    expect(deleted.deleted).toBe(1);
    expect(await stored(postId)).toBeUndefined();
    expect(await index.count()).toBe(countBefore - 1);
    // Created, updated and deleted in one batch: never shows up.
    const gone = newPostId();
    await handle([
      postEvent('PostCreated', gone, 1, { title: 'a', body: 'b' }),
      postEvent('PostUpdated', gone, 2, { title: 'a2', body: 'b' }),
      postEvent('PostDeleted', gone, 3),
    ]);
    expect(await stored(gone)).toBeUndefined();
  });

  it('ignores other entities and fails on an unreadable payload (so the event is retried, not lost)', async () => {
    const stats = await handle([
      {
        ...postEvent('PostCreated', newPostId(), 1, { title: 't', body: 'b' }),
        entity: 'Comment',
        type: 'CommentAdded',
      },
      {
        ...postEvent('PostCreated', newPostId(), 1, { title: 't', body: 'b' }),
        entity: 'User',
        type: 'UserCreated',
      },
    ]);
    expect(stats).toMatchObject({ ignored: 2, upserted: 0 });
    await expect(
      handle([{ ...postEvent('PostCreated', newPostId(), 1), payload: { title: 42 } }]),
    ).rejects.toThrow(/unreadable payload/);
  });
});

describe('the semantic-indexer consumer group', () => {
  let stream: string;
  beforeEach(() => {
    stream = testStream('indexer');
  });

  it('indexes what is on the stream, replaying it from the start', async () => {
    const postIds = [newPostId(), newPostId(), newPostId()];
    await publish(redis, stream, [
      ...postIds.map((postId, i) =>
        postEvent('PostCreated', postId, 1, { title: `Stream post ${i}`, body: 'b' }),
      ),
      postEvent('PostUpdated', postIds[0]!, 2, { title: 'Stream post 0, edited', body: 'b' }),
      postEvent('PostDeleted', postIds[2]!, 2),
    ]);
    const indexer = await startIndexer({
      redis,
      index,
      embedder: defaultEmbedder(),
      log: silentLog,
      group: 'semantic-indexer',
      consumer: 'test',
      stream,
    });
    try {
      await indexer.drained();
      expect(await stored(postIds[0]!)).toMatchObject({ title: 'Stream post 0, edited', version: 2 });
      expect(await stored(postIds[1]!)).toMatchObject({ title: 'Stream post 1', version: 1 });
      expect(await stored(postIds[2]!)).toBeUndefined();
      expect(await redis.xpending(stream, 'semantic-indexer')).toEqual([0, null, null, null]);
    } finally {
      await indexer.stop();
      await redis.del(stream);
    }
  });

  it('acknowledges only after the Weaviate write succeeded', async () => {
    const postIds = [newPostId(), newPostId()];
    await publish(
      redis,
      stream,
      postIds.map((postId) => postEvent('PostCreated', postId, 1, { title: 'Waiting', body: 'b' })),
    );
    // The same group over a Weaviate that does not answer: events are delivered, never acknowledged.
    const downClient = await connectWeaviate({
      WEAVIATE_URL: 'http://127.0.0.1:59998',
      WEAVIATE_GRPC_PORT: 59997,
    });
    const down = await startConsumer({
      redis,
      group: 'semantic-indexer',
      consumer: 'test',
      stream,
      log: silentLog,
      maxDeliveries: 1000,
      handle: async (events) => {
        await createEventHandler(new PostIndex(downClient, alias), defaultEmbedder(), silentLog)(events);
      },
    });
    await waitFor(
      async () => ((await redis.xpending(stream, 'semantic-indexer')) as [number])[0] === 2,
      5000,
      'delivery',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await down.stop();
    expect(((await redis.xpending(stream, 'semantic-indexer')) as [number])[0]).toBe(2);
    expect(await stored(postIds[0]!)).toBeUndefined();

    // Weaviate back: the same consumer re-handles what it left pending.
    const indexer = await startIndexer({
      redis,
      index,
      embedder: defaultEmbedder(),
      log: silentLog,
      group: 'semantic-indexer',
      consumer: 'test',
      stream,
    });
    try {
      await indexer.drained();
      for (const postId of postIds)
        expect(await stored(postId)).toMatchObject({ title: 'Waiting', version: 1 });
    } finally {
      await indexer.stop();
      await downClient.close();
      await redis.del(stream);
    }
  });

  it('waits out a Weaviate outage longer than maxDeliveries attempts, then indexes every event once', async () => {
    const postIds = [newPostId(), newPostId()];
    // The real index, or while `down` one over a Weaviate that refuses connections (its client's own errors).
    const downClient = await connectWeaviate({
      WEAVIATE_URL: 'http://127.0.0.1:59996',
      WEAVIATE_GRPC_PORT: 59995,
    });
    const unreachable = new PostIndex(downClient, alias);
    const state = { down: false, failedCalls: 0, upserts: 0 };
    const restarting = new Proxy(index, {
      get(_target, property) {
        const target = state.down ? unreachable : index;
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (property === 'upsert' && target === index) state.upserts += 1;
          try {
            return (await Reflect.apply(value, target, args)) as unknown;
          } catch (error) {
            if (target === unreachable) state.failedCalls += 1;
            throw error;
          }
        };
      },
    });
    const maxDeliveries = 2;
    const indexer = await startIndexer({
      redis,
      index: restarting,
      embedder: defaultEmbedder(),
      log: silentLog,
      group: 'semantic-indexer',
      consumer: 'test',
      stream,
      blockMs: 100,
      maxDeliveries,
      maxRetryDelayMs: 50,
    });
    try {
      state.down = true;
      await publish(redis, stream, [
        postEvent('PostCreated', postIds[0]!, 1, { title: 'Written while Weaviate restarts', body: 'b' }),
        postEvent('PostCreated', postIds[1]!, 1, { title: 'Also waiting', body: 'b' }),
        postEvent('PostUpdated', postIds[0]!, 2, { title: 'Edited while Weaviate restarts', body: 'b' }),
      ]);
      await waitFor(async () => state.failedCalls >= 5 * maxDeliveries * 3, 15_000, 'failed attempts');
      expect(await redis.xlen(deadLetterStream(stream))).toBe(0);
      expect(await indexer.lag()).toBe(3);
      expect(await stored(postIds[0]!)).toBeUndefined();

      state.down = false;
      await indexer.drained();
      expect(await stored(postIds[0]!)).toMatchObject({
        title: 'Edited while Weaviate restarts',
        version: 2,
      });
      expect(await stored(postIds[1]!)).toMatchObject({ title: 'Also waiting', version: 1 });
      expect(state.upserts).toBe(1); // the batch was applied once
      expect(await redis.xlen(deadLetterStream(stream))).toBe(0);
      expect(await redis.xpending(stream, 'semantic-indexer')).toEqual([0, null, null, null]);
    } finally {
      await indexer.stop();
      await downClient.close();
      await redis.del(stream, deadLetterStream(stream));
    }
  });
});

describe('tombstones for the purge', () => {
  it('carry the time they were written; the purge deletes those written before its cutoff only', async () => {
    const postId = newPostId();
    await handle([
      postEvent('PostCreated', postId, 1, { title: 'Short-lived sourdough notes', body: 'Gone soon.' }),
    ]);
    await handle([postEvent('PostDeleted', postId, 2)]);
    expect((await index.guardRecords([postId])).get(postId)).toMatchObject({ version: 2, deleted: true });
    // Written just now: a cutoff an hour ago keeps it.
    expect(await index.purgeTombstones(new Date(Date.now() - 3_600_000))).toBe(0);
    expect((await index.guardRecords([postId])).get(postId)).toMatchObject({ version: 2, deleted: true });
    expect(await index.purgeTombstones(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
    expect((await index.guardRecords([postId])).get(postId)).toBeUndefined();
  });

  it('a tombstone collection made before the purge gains the time property in place', async () => {
    const old = testAlias('old_tombstones');
    const name = tombstoneCollectionName(old);
    try {
      await weaviate.collections.create({
        name,
        vectorizers: configure.vectors.selfProvided(),
        properties: [...tombstoneGuardProperties],
      });
      await ensureTombstoneCollection(weaviate, name);
      const { properties } = await weaviate.collections.use(name).config.get();
      expect(properties.map((property) => property.name).sort()).toEqual(['postId', 'removedAt', 'version']);
    } finally {
      await weaviate.collections.delete(name);
    }
  });
});

describe('telling a Weaviate outage from a bad request', () => {
  const statusError = (code: number) =>
    Object.assign(new Error(`The request to Weaviate failed with status code: ${code} and message: x`), {
      name: 'WeaviateUnexpectedStatusCodeError',
      code,
    });

  it('waits on 429 and 5xx, not on 4xx or a rejected object', () => {
    expect(isWeaviateOutage(statusError(503))).toBe(true);
    expect(isWeaviateOutage(statusError(429))).toBe(true);
    expect(isWeaviateOutage(statusError(422))).toBe(false);
    expect(isWeaviateOutage(new Error('Weaviate rejected 1 of 2 posts: invalid property'))).toBe(false);
  });
});
