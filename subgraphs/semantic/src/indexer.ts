import {
  decideVersion,
  isDeletion,
  latestPerKey,
  startConsumer,
  type DomainEvent,
  type RunningConsumer,
  type EventsRedis,
} from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';
import type { Embedder } from './embedder.js';
import { embeddingText, postFromEvent, type IndexedPost } from './indexed-post.js';
import type { PostIndex, StoredGuard, Tombstone } from './store.js';
import { isWeaviateOutage } from './weaviate.js';

const POST_EVENTS = new Set(['PostCreated', 'PostUpdated', 'PostDeleted']);

export interface IndexerStats {
  upserted: number;
  /** Posts taken out of the index (deleted, or back to draft). */
  deleted: number;
  /** Tombstones written: every applied removal, also of a post the index never held. */
  buried: number;
  skippedAsStale: number;
  ignored: number;
}

/** One change of a post for the semantic index: its state at `version`, or null when it leaves it. */
export interface PostChange {
  postId: string;
  version: number;
  post: IndexedPost | null;
}

/** Only published posts are searchable: a deletion or a post back to draft leaves the index. */
export function changeForEvent(event: DomainEvent): PostChange {
  const { entityId: postId, version } = event;
  if (isDeletion(event)) return { postId, version, post: null };
  const post = postFromEvent(postId, version, event.payload);
  return { postId, version, post: post.status === 'PUBLISHED' ? post : null };
}

/**
 * Applies post changes to the semantic index under the version guard of `@aetherial/events`:
 * published posts are embedded (title + body) and written with their vectors in one batch, and a
 * removal leaves a tombstone with its version (in the alias's tombstone collection), so an older
 * update delivered after a delete is skipped instead of bringing the post back.
 *
 * Weaviate has no conditional write, so the guard reads the stored versions (live objects and
 * tombstones) of every post in the batch and applies `decideVersion`. The read-then-write is not
 * atomic; it is safe because the consumer group `semantic-indexer` has one consumer, which handles
 * batches one after another in stream order (a restarted consumer first re-handles what it left
 * unacknowledged), and a rebuild writes a collection no indexer writes yet. Writes go new state
 * first, old state second, and a post found in both collections is tidied to its newer record,
 * so an interrupted batch is completed by its redelivery.
 */
export async function applyPostChanges(
  index: PostIndex,
  embedder: Embedder,
  changes: readonly PostChange[],
): Promise<Omit<IndexerStats, 'ignored'>> {
  const stats = { upserted: 0, deleted: 0, buried: 0, skippedAsStale: 0 };
  const latest = latestPerKey(
    changes,
    (change) => change.postId,
    (change) => change.version,
  );
  if (latest.length === 0) return stats;

  const stored = await index.guardRecords(latest.map((change) => change.postId));
  const upserts: IndexedPost[] = [];
  const burials: Tombstone[] = [];
  for (const change of latest) {
    const record = stored.get(change.postId);
    if (decideVersion(record, change) === 'skip') {
      stats.skippedAsStale += 1;
      continue;
    }
    if (change.post) upserts.push(change.post);
    else burials.push({ postId: change.postId, version: change.version });
  }
  // What each known post ends as, also after an interrupted batch left it both live and buried.
  const upserted = new Set(upserts.map((post) => post.postId));
  const buried = new Set(burials.map((tombstone) => tombstone.postId));
  const endsLive = (postId: string, record: StoredGuard) =>
    upserted.has(postId) || (!buried.has(postId) && !record.deleted);
  const known = [...stored];
  const liveToRemove = known
    .filter(([postId, record]) => record.live && !endsLive(postId, record))
    .map(([postId]) => postId);
  const tombstonesToDrop = known
    .filter(([postId, record]) => record.tombstone && endsLive(postId, record))
    .map(([postId]) => postId);

  if (upserts.length > 0) {
    const vectors = await embedder.embed(upserts.map(embeddingText));
    await index.upsert(upserts.map((post, i) => ({ post, vector: vectors[i]! })));
  }
  await index.bury(burials);
  await index.remove(liveToRemove);
  await index.unbury(tombstonesToDrop);
  stats.upserted = upserts.length;
  stats.buried = burials.length;
  stats.deleted = liveToRemove.length;
  return stats;
}

/** The event handler of the `semantic-indexer` group: post events through `applyPostChanges`. */
export function createEventHandler(index: PostIndex, embedder: Embedder, log: Logger) {
  return async (events: DomainEvent[]): Promise<IndexerStats> => {
    const postEvents = events.filter((event) => event.entity === 'Post' && POST_EVENTS.has(event.type));
    const ignored = events.length - postEvents.length;
    // Only the newest event of a post is read: an unreadable older one would be skipped anyway.
    const newest = latestPerKey(
      postEvents,
      (event) => event.entityId,
      (event) => event.version,
    );
    const stats = { ...(await applyPostChanges(index, embedder, newest.map(changeForEvent))), ignored };
    if (newest.length > 0) log.debug({ ...stats, batch: events.length }, 'semantic index updated');
    return stats;
  };
}

export interface IndexerOptions {
  redis: EventsRedis;
  index: PostIndex;
  embedder: Embedder;
  log: Logger;
  group: string;
  consumer: string;
  stream?: string;
  batchSize?: number;
  blockMs?: number;
  /** Failed deliveries of an event before it is dead-lettered (Weaviate outages do not count). */
  maxDeliveries?: number;
  /** Cap of the backoff between retries, also while Weaviate is unavailable. */
  maxRetryDelayMs?: number;
}

/**
 * Keeps the semantic index in step with the `aetherial:events` stream through the consumer group
 * `semantic-indexer`: at-least-once, acknowledged only after the Weaviate write succeeded, and
 * replayed from the start of the stream when the group is new. While Weaviate is down or
 * overloaded the batch waits (nothing dead-lettered); other failures dead-letter after retries.
 */
export async function startIndexer(options: IndexerOptions): Promise<RunningConsumer> {
  await options.index.ensure(options.embedder.name);
  const handle = createEventHandler(options.index, options.embedder, options.log);
  return startConsumer({
    redis: options.redis,
    group: options.group,
    consumer: options.consumer,
    log: options.log,
    startFrom: '0',
    ...(options.stream ? { stream: options.stream } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.blockMs ? { blockMs: options.blockMs } : {}),
    ...(options.maxDeliveries ? { maxDeliveries: options.maxDeliveries } : {}),
    ...(options.maxRetryDelayMs ? { maxRetryDelayMs: options.maxRetryDelayMs } : {}),
    isTransient: isWeaviateOutage,
    handle: async (events) => {
      await handle(events);
    },
  });
}
