import { parseEventFields, type DomainEvent, type EventsRedis } from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';
import type { WeaviateClient } from 'weaviate-client';
import {
  aliasTarget,
  createPostCollection,
  ensureTombstoneCollection,
  tombstoneCollectionName,
  versionedName,
} from './collection-schema.js';
import type { Embedder } from './embedder.js';
import type { IndexedPost } from './indexed-post.js';
import { applyPostChanges, createEventHandler } from './indexer.js';
import { postFromSource, searchablePostsQuery, type SourcePosts } from './source-posts.js';
import { PostIndex } from './store.js';

export interface RebuildOptions {
  client: WeaviateClient;
  /** The alias queries and the indexer use (`Post`). */
  alias: string;
  posts: SourcePosts;
  embedder: Embedder;
  log: Logger;
  /** The events stream, to catch up with changes made while the rebuild ran. */
  redis: EventsRedis;
  stream: string;
  batchSize?: number;
  /** Keep the collection the alias pointed at before (default: drop it after the switch). */
  keepPrevious?: boolean;
  progress?: (message: string) => void;
}

export interface RebuildResult {
  collection: string;
  previous: string | undefined;
  indexed: number;
  replayedEvents: number;
}

type StreamEntry = [id: string, fields: string[]];

/** The id of the newest entry in the stream ('0-0' when empty): events after it are "new". */
async function streamEnd(redis: EventsRedis, stream: string): Promise<string> {
  const [last] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
  return last?.[0] ?? '0-0';
}

/** Applies every event after `fromId` to `index`; returns the id of the last one applied. */
async function replaySince(
  redis: EventsRedis,
  stream: string,
  fromId: string,
  handle: (events: DomainEvent[]) => Promise<unknown>,
): Promise<{ lastId: string; count: number }> {
  let lastId = fromId;
  let count = 0;
  for (;;) {
    const entries = (await redis.xrange(stream, `(${lastId}`, '+', 'COUNT', 200)) as StreamEntry[];
    if (entries.length === 0) return { lastId, count };
    await handle(entries.map((entry) => parseEventFields(entry[1])));
    lastId = entries.at(-1)![0];
    count += entries.length;
  }
}

/**
 * Rebuilds the semantic index from the source of truth (MongoDB `posts`) into a NEW collection
 * `<alias>_v<time>`, then points the alias at it, so searches never see a half-built index.
 *
 * Changes made while it runs are not lost: the stream position is noted before MongoDB is read,
 * and every event after it is replayed into the new collection (version-guarded, so events the
 * snapshot already contains change nothing) once before the switch and once after it, which
 * covers events the live indexer applied to the old collection just before the switch.
 */
export async function rebuildIndex(options: RebuildOptions): Promise<RebuildResult> {
  const { client, alias, posts, embedder, redis, stream, log } = options;
  const batchSize = options.batchSize ?? 64;
  const progress = options.progress ?? ((message: string) => log.info(message));

  await client.getWeaviateVersion(); // fail early (and handled) when Weaviate is down
  const mark = await streamEnd(redis, stream);
  const name = versionedName(alias, embedder.name);
  await createPostCollection(client, name);
  // The new collection shares the alias's tombstones: a post removed before the rebuild stays
  // removed, even if the snapshot read it just before its removal.
  const tombstones = tombstoneCollectionName(alias);
  await ensureTombstoneCollection(client, tombstones);
  const target = new PostIndex(client, name, undefined, tombstones);
  const total = await posts.countDocuments(searchablePostsQuery);
  progress(`rebuilding ${alias} into ${name}: ${total} published posts in MongoDB`);

  let indexed = 0;
  const started = Date.now();
  const cursor = posts.find(searchablePostsQuery).sort({ _id: 1 }).batchSize(batchSize);
  let batch: IndexedPost[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const changes = batch.map((post) => ({ postId: post.postId, version: post.version, post }));
    indexed += (await applyPostChanges(target, embedder, changes)).upserted;
    batch = [];
    const seconds = (Date.now() - started) / 1000;
    progress(
      `  ${indexed}/${total} posts indexed (${Math.round((indexed / Math.max(total, 1)) * 100)}%, ${(indexed / seconds).toFixed(0)} posts/s)`,
    );
  };
  for await (const document of cursor) {
    batch.push(postFromSource(document));
    if (batch.length >= batchSize) await flush();
  }
  await flush();

  const handle = createEventHandler(target, embedder, log);
  const before = await replaySince(redis, stream, mark, handle);
  const previous = await switchAlias(client, alias, name);
  progress(`alias ${alias} now points at ${name}${previous ? ` (was ${previous})` : ''}`);
  const after = await replaySince(redis, stream, before.lastId, handle);
  const replayedEvents = before.count + after.count;
  if (replayedEvents > 0) progress(`  replayed ${replayedEvents} events published during the rebuild`);

  if (previous && previous !== name && !options.keepPrevious) {
    await client.collections.delete(previous);
    progress(`dropped the previous collection ${previous}`);
  }
  return { collection: name, previous, indexed, replayedEvents };
}

/**
 * Points `alias` at `collection`; returns what it pointed at before. Weaviate cannot have an alias
 * and a collection of the same name: a plain collection named like the alias (made before aliases
 * were used) is dropped first, leaving a moment in which searches fail until the alias exists.
 */
async function switchAlias(
  client: WeaviateClient,
  alias: string,
  collection: string,
): Promise<string | undefined> {
  const current = await aliasTarget(client, alias);
  if (current) {
    await client.alias.update({ alias, newTargetCollection: collection });
    return current;
  }
  if (await client.collections.exists(alias)) await client.collections.delete(alias);
  await client.alias.create({ alias, collection });
  return undefined;
}
