import { ObjectId, MongoClient, type Collection } from 'mongodb';
import type { Redis } from 'ioredis';
import type { WeaviateClient } from 'weaviate-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasTarget, EmbedderMismatchError } from '../src/collection-schema.js';
import { createEmbedder, defaultEmbedder } from '../src/embedder.js';
import { createEventHandler, startIndexer } from '../src/indexer.js';
import { rebuildIndex } from '../src/rebuild.js';
import { SOURCE_POSTS_COLLECTION, type SourcePostDocument } from '../src/source-posts.js';
import { PostIndex } from '../src/store.js';
import {
  connectTestRedis,
  connectTestWeaviate,
  dropTestIndex,
  postEvent,
  publish,
  silentLog,
  storedPosts,
  testAlias,
  testConfig,
  testStream,
  type StoredPost,
} from './helpers.js';

/** The content subgraph's posts, in a database of this package's tests only. */
const TEST_DB = 'aetherial_semantic_test';

let weaviate: WeaviateClient;
let redis: Redis;
let mongo: MongoClient;
let posts: Collection<SourcePostDocument>;
const aliases: string[] = [];
const streams: string[] = [];

/**
 * Plays a history of post changes the way the content subgraph records them: the document in
 * MongoDB ends in its final state, and every change is an event on the stream.
 */
class ContentHistory {
  readonly events: ReturnType<typeof postEvent>[] = [];
  private serial = 0;

  async create(
    status: 'DRAFT' | 'PUBLISHED',
    title: string,
    body: string,
    tags: string[] = [],
  ): Promise<string> {
    const _id = new ObjectId();
    const createdAt = new Date(Date.UTC(2024, 0, 1, 0, 0, ++this.serial));
    const document: SourcePostDocument = {
      _id,
      authorId: `author-${this.serial % 3}`,
      title,
      body,
      tags,
      status,
      version: 1,
      createdAt,
      deletedAt: null,
    };
    await posts.insertOne(document);
    this.record('PostCreated', document);
    return _id.toHexString();
  }

  async update(
    postId: string,
    changes: Partial<Pick<SourcePostDocument, 'title' | 'body' | 'tags' | 'status'>>,
  ): Promise<void> {
    const document = await posts.findOneAndUpdate(
      { _id: new ObjectId(postId) },
      { $set: changes, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    this.record('PostUpdated', document!);
  }

  async delete(postId: string): Promise<void> {
    const document = await posts.findOneAndDelete({ _id: new ObjectId(postId) });
    this.events.push(postEvent('PostDeleted', postId, document!.version + 1));
  }

  private record(type: 'PostCreated' | 'PostUpdated', document: SourcePostDocument): void {
    this.events.push(
      postEvent(type, document._id.toHexString(), document.version, {
        title: document.title,
        body: document.body ?? '',
        tags: document.tags ?? [],
        authorId: document.authorId,
        status: document.status as 'DRAFT' | 'PUBLISHED',
        createdAt: document.createdAt.toISOString(),
      }),
    );
  }
}

const comparable = (stored: StoredPost[]) =>
  stored.map(({ vector: _vector, ...rest }) => rest).sort((a, b) => a.postId.localeCompare(b.postId));

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

function newAlias(): string {
  const alias = testAlias('reindex');
  aliases.push(alias);
  return alias;
}

function newStream(): string {
  const stream = testStream('reindex');
  streams.push(stream);
  return stream;
}

beforeAll(async () => {
  weaviate = await connectTestWeaviate();
  redis = connectTestRedis();
  mongo = new MongoClient(testConfig().MONGODB_URL, { serverSelectionTimeoutMS: 10_000 });
  await mongo.connect();
  posts = mongo.db(TEST_DB).collection<SourcePostDocument>(SOURCE_POSTS_COLLECTION);
});

afterAll(async () => {
  for (const alias of aliases) await dropTestIndex(weaviate, alias);
  for (const stream of streams) await redis.del(stream);
  await mongo?.db(TEST_DB).dropDatabase();
  await mongo?.close();
  redis?.disconnect();
  await weaviate?.close();
});

describe('reindex', () => {
  it('builds from MongoDB exactly what the incremental indexer built from the events', async () => {
    await posts.deleteMany({});
    const history = new ContentHistory();
    const ids: string[] = [];
    const topics = [
      'sourdough baking',
      'marathon training',
      'kubernetes memory',
      'tomato plants',
      'index funds',
      'guitar chords',
    ];
    for (const [i, topic] of topics.entries())
      ids.push(
        await history.create('PUBLISHED', `Notes on ${topic}`, `What I learnt about ${topic}.`, [`t${i}`]),
      );
    const draft = await history.create('DRAFT', 'Unfinished thoughts', 'draft body');
    await history.update(ids[0]!, { title: 'Notes on sourdough baking, revised' });
    await history.update(ids[0]!, { body: 'Rye flour and a warmer kitchen.', tags: ['baking', 'bread'] });
    await history.update(ids[1]!, { status: 'DRAFT' }); // unpublished again
    await history.update(draft, { status: 'PUBLISHED', title: 'Finished thoughts' });
    await history.delete(ids[2]!);
    await history.update(ids[3]!, { title: 'Notes on tomato plants with yellow leaves' });

    const stream = newStream();
    await publish(redis, stream, history.events);
    const incrementalAlias = newAlias();
    const indexer = await startIndexer({
      redis,
      index: new PostIndex(weaviate, incrementalAlias),
      embedder: defaultEmbedder(),
      log: silentLog,
      group: 'semantic-indexer',
      consumer: 'reindex-test',
      stream,
      batchSize: 4,
    });
    await indexer.drained();
    await indexer.stop();

    const rebuiltAlias = newAlias();
    const progress: string[] = [];
    const result = await rebuildIndex({
      client: weaviate,
      alias: rebuiltAlias,
      posts,
      embedder: defaultEmbedder(),
      log: silentLog,
      redis,
      stream,
      batchSize: 3,
      progress: (message) => progress.push(message),
    });
    expect(result.indexed).toBe(5); // 4 of the first 6 remain published, plus the published draft
    expect(result.replayedEvents).toBe(0);
    expect(progress.some((line) => line.includes('5/5 posts indexed'))).toBe(true);

    const incremental = await storedPosts(weaviate, incrementalAlias);
    const rebuilt = await storedPosts(weaviate, rebuiltAlias);
    expect(comparable(rebuilt)).toEqual(comparable(incremental));
    expect(new Set(rebuilt.map((post) => post.postId))).toEqual(
      new Set([ids[0], ids[3], ids[4], ids[5], draft]),
    );
    for (const post of rebuilt) {
      const twin = incremental.find((candidate) => candidate.postId === post.postId)!;
      expect(cosine(post.vector, twin.vector)).toBeGreaterThan(0.9999);
    }
  });

  it('switches the alias to a new collection and drops the previous one', async () => {
    await posts.deleteMany({});
    const history = new ContentHistory();
    const postId = await history.create(
      'PUBLISHED',
      'Brewing better pour-over coffee',
      'Grind fresh and pour slowly.',
    );
    const alias = newAlias();
    const index = new PostIndex(weaviate, alias);
    const original = await index.ensure(defaultEmbedder().name);
    expect(original).toMatch(new RegExp(`^${alias}_all_minilm_l6_v2_q_v\\d+$`)); // the default model's name

    const stream = newStream();
    const result = await rebuildIndex({
      client: weaviate,
      alias,
      posts,
      embedder: defaultEmbedder(),
      log: silentLog,
      redis,
      stream,
    });
    expect(result.previous).toBe(original);
    expect(result.collection).not.toBe(original);
    expect(await aliasTarget(weaviate, alias)).toBe(result.collection);
    expect(await weaviate.collections.exists(original)).toBe(false);
    // Reads through the alias (as the subgraph does) see the rebuilt collection.
    expect(await index.versions([postId])).toEqual(new Map([[postId, 1]]));

    const kept = await rebuildIndex({
      client: weaviate,
      alias,
      posts,
      embedder: defaultEmbedder(),
      log: silentLog,
      redis,
      stream,
      keepPrevious: true,
    });
    expect(await weaviate.collections.exists(kept.previous!)).toBe(true);
    expect(await aliasTarget(weaviate, alias)).toBe(kept.collection);
  });

  it('changes the embedder through the alias switch: a collection per model, never mixed', async () => {
    await posts.deleteMany({});
    const history = new ContentHistory();
    const postId = await history.create('PUBLISHED', 'Keeping sourdough starter alive', 'Feed it daily.');
    const alias = newAlias();
    // From the embedder before (USE-lite) to the default (all-MiniLM-L6-v2 int8).
    const useLite = createEmbedder('use-lite', { modelsDir: testConfig().SEMANTIC_MODELS_DIR });
    const minilm = defaultEmbedder();
    expect(minilm.name).toBe('all-minilm-l6-v2-q');
    const index = new PostIndex(weaviate, alias);
    const original = await index.ensure(useLite.name);
    // Another model's process refuses the collection instead of writing its vectors into it.
    await expect(index.ensure(minilm.name)).rejects.toBeInstanceOf(EmbedderMismatchError);

    const result = await rebuildIndex({
      client: weaviate,
      alias,
      posts,
      embedder: minilm,
      log: silentLog,
      redis,
      stream: newStream(),
    });
    expect(result.collection).toMatch(new RegExp(`^${alias}_all_minilm_l6_v2_q_v\\d+$`));
    expect(result.previous).toBe(original);
    expect(await index.ensure(minilm.name)).toBe(result.collection);
    await expect(index.ensure(useLite.name)).rejects.toThrow(/npm run reindex/);
    const [stored] = await storedPosts(weaviate, alias);
    expect(stored?.postId).toBe(postId);
    expect(stored?.vector).toHaveLength(384);
  });

  it('replays changes published while it was reading MongoDB', async () => {
    await posts.deleteMany({});
    const history = new ContentHistory();
    const edited = await history.create(
      'PUBLISHED',
      'Kubernetes pod keeps getting OOMKilled',
      'Raise the memory limit.',
    );
    const removed = await history.create(
      'PUBLISHED',
      'Fixing a dripping kitchen faucet',
      'Replace the cartridge.',
    );
    const stream = newStream();
    await publish(redis, stream, history.events);

    // Changes that land on the stream after the rebuild noted its position (the snapshot in
    // MongoDB is already taken when they arrive, so only the replay can bring them in).
    const lateEvents = [
      postEvent('PostUpdated', edited, 2, { title: 'Kubernetes OOMKilled, solved', body: 'It was a cache.' }),
      postEvent('PostDeleted', removed, 2),
    ];
    const racingPosts = new Proxy(posts, {
      get(target, property, receiver) {
        if (property !== 'countDocuments') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<Collection<SourcePostDocument>['countDocuments']>) => {
          await publish(redis, stream, lateEvents);
          return target.countDocuments(...args);
        };
      },
    });
    const alias = newAlias();
    const result = await rebuildIndex({
      client: weaviate,
      alias,
      posts: racingPosts,
      embedder: defaultEmbedder(),
      log: silentLog,
      redis,
      stream,
    });
    expect(result.indexed).toBe(2);
    expect(result.replayedEvents).toBe(2);
    const rebuilt = await storedPosts(weaviate, alias);
    expect(rebuilt.map((post) => [post.postId, post.title, post.version])).toEqual([
      [edited, 'Kubernetes OOMKilled, solved', 2],
    ]);
  });

  it('keeps a post removed before the rebuild out, even when the snapshot still read it', async () => {
    await posts.deleteMany({});
    const history = new ContentHistory();
    const postId = await history.create('PUBLISHED', 'Descaling an espresso machine', 'Citric acid.');
    const alias = newAlias();
    const live = new PostIndex(weaviate, alias);
    await live.ensure(defaultEmbedder().name);
    // The live indexer applied the delete (v2: a tombstone) before MongoDB's row went away, and
    // the delete event is older than the rebuild's stream position, so no replay repeats it.
    const stream = newStream();
    await publish(redis, stream, history.events);
    const handle = createEventHandler(live, defaultEmbedder(), silentLog);
    await handle([...history.events, postEvent('PostDeleted', postId, 2)]);
    expect(await storedPosts(weaviate, alias)).toEqual([]);

    const result = await rebuildIndex({
      client: weaviate,
      alias,
      posts,
      embedder: defaultEmbedder(),
      log: silentLog,
      redis,
      stream,
    });
    expect(result.indexed).toBe(0);
    expect(await storedPosts(weaviate, alias)).toEqual([]);
    expect((await live.guardRecords([postId])).get(postId)).toMatchObject({ version: 2, deleted: true });
  });
});
