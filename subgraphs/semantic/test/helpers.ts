import { randomBytes, randomUUID } from 'node:crypto';
import { eventFields, type DomainEvent } from '@aetherial/events';
import { createLogger, type GraphQLResult, type Logger, testSubgraphEnv } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import type { WeaviateClient } from 'weaviate-client';
import { loadSemanticConfig, type SemanticConfig } from '../src/config.js';
import { aliasTarget } from '../src/collection-schema.js';
import { connectWeaviate } from '../src/weaviate.js';

/** A name no other test run uses: collections, aliases and streams of a test file carry it. */
export const uniqueSuffix = (): string => randomBytes(4).toString('hex');

/** Test collections are aliases named `SemanticTest_<file>_<random>`, never the demo `Post`. */
export const testAlias = (file: string): string => `SemanticTest_${file}_${uniqueSuffix()}`;

export const testStream = (file: string): string =>
  `aetherial:events:test:semantic:${file}:${uniqueSuffix()}`;

export function testConfig(overrides: Record<string, string> = {}): SemanticConfig {
  return loadSemanticConfig({
    ...process.env,
    ...testSubgraphEnv(),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SEMANTIC_PORT: '0',
    // Tests start the indexer themselves.
    SEMANTIC_RUN_INDEXER: 'false',
    ...overrides,
  });
}

export const silentLog: Logger = createLogger('semantic-test', 'silent');

export const connectTestWeaviate = (): Promise<WeaviateClient> => connectWeaviate(testConfig());

export const connectTestRedis = (): Redis => new Redis(testConfig().REDIS_URL, { maxRetriesPerRequest: 3 });

/** Drops a test alias and every collection made for it (`<alias>_<model>_v<time>`, legacy `<alias>_v<time>`, `<alias>_tombstones`). */
export async function dropTestIndex(client: WeaviateClient, alias: string): Promise<void> {
  if (await aliasTarget(client, alias)) await client.alias.delete(alias);
  const collections = await client.collections.listAll();
  for (const collection of collections) {
    if (collection.name === alias || collection.name.startsWith(`${alias}_`))
      await client.collections.delete(collection.name);
  }
}

export interface PostInput {
  id?: string;
  title: string;
  body: string;
  tags?: string[];
  authorId?: string;
  status?: 'DRAFT' | 'PUBLISHED';
  createdAt?: string;
}

/** A post id shaped like the content subgraph's (Mongo ObjectId hex). */
export const newPostId = (): string => randomBytes(12).toString('hex');

/** A domain event as the content subgraph publishes it. */
export function postEvent(
  type: 'PostCreated' | 'PostUpdated' | 'PostDeleted',
  postId: string,
  version: number,
  post?: PostInput,
): DomainEvent {
  const occurredAt = new Date().toISOString();
  return {
    eventId: randomUUID(),
    type,
    entity: 'Post',
    entityId: postId,
    version,
    occurredAt,
    payload:
      type === 'PostDeleted' || !post
        ? null
        : {
            id: postId,
            authorId: post.authorId ?? 'author-1',
            title: post.title,
            body: post.body,
            tags: post.tags ?? [],
            status: post.status ?? 'PUBLISHED',
            version,
            createdAt: post.createdAt ?? '2024-03-01T10:00:00.000Z',
            updatedAt: occurredAt,
          },
  };
}

export async function publish(redis: Redis, stream: string, events: DomainEvent[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.xadd(stream, '*', ...eventFields(event));
  await pipeline.exec();
}

/** Counts Weaviate requests at the driver boundary: every `collection.query.*` call on this client. */
export function countingClient(client: WeaviateClient): {
  client: WeaviateClient;
  calls: Map<string, number>;
  reset: () => void;
} {
  const calls = new Map<string, number>();
  const countQueries = <Q extends object>(query: Q): Q =>
    new Proxy(query, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const collections = new Proxy(client.collections, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'use' || typeof value !== 'function') return value;
      return (name: string) => {
        const collection = (value as (n: string) => ReturnType<WeaviateClient['collections']['use']>).call(
          target,
          name,
        );
        return new Proxy(collection, {
          get(inner, key, innerReceiver) {
            const member: unknown = Reflect.get(inner, key, innerReceiver);
            return key === 'query' && typeof member === 'object' && member !== null
              ? countQueries(member)
              : member;
          },
        });
      };
    },
  });
  const counted = new Proxy(client, {
    get(target, property, receiver) {
      return property === 'collections' ? collections : Reflect.get(target, property, receiver);
    },
  });
  return { client: counted, calls, reset: () => calls.clear() };
}

/** The data of a response that must have succeeded (fails the test with the errors otherwise). */
export function dataOf<T>(result: GraphQLResult<T>): T {
  if (result.errors?.length) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(result.errors)}`);
  if (!result.data) throw new Error('no data in response');
  return result.data;
}

export function errorOf(result: GraphQLResult<unknown>): { code?: string; field?: string; message: string } {
  const error = result.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(result.data)}`);
  return { code: error.extensions?.code, field: error.extensions?.field, message: error.message };
}

export async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface StoredPost {
  postId: string;
  title: string;
  version: number;
  tags: string[];
  authorId: string;
  status: string;
  createdAt: string;
  vector: number[];
}

/** Every object behind an alias (or collection), read straight from Weaviate. */
export async function storedPosts(client: WeaviateClient, name: string): Promise<StoredPost[]> {
  await client.getWeaviateVersion();
  const collection = client.collections.use(name);
  const result = await collection.query.fetchObjects({ limit: 10_000, includeVector: true });
  return result.objects.map((object) => ({
    postId: String(object.properties.postId),
    title: String(object.properties.title),
    version: Number(object.properties.version),
    tags: (object.properties.tags as string[] | undefined) ?? [],
    authorId: String(object.properties.authorId),
    status: String(object.properties.status),
    createdAt: (object.properties.createdAt as Date).toISOString(),
    vector: object.vectors.default as number[],
  }));
}
