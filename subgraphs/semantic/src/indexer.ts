import { startConsumer, type DomainEvent, type RunningConsumer } from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';
import type { Redis } from 'ioredis';
import type { Embedder } from './embedder.js';
import { embeddingText, postFromEvent, type IndexedPost } from './indexed-post.js';
import type { PostIndex } from './store.js';
import { isWeaviateOutage } from './weaviate.js';

const POST_EVENTS = new Set(['PostCreated', 'PostUpdated', 'PostDeleted']);

export interface IndexerStats {
  upserted: number;
  deleted: number;
  skippedAsStale: number;
  ignored: number;
}

/** The newest event of each post in a batch: older ones in the same batch would be overwritten anyway. */
function latestPerPost(events: readonly DomainEvent[]): Map<string, DomainEvent> {
  const latest = new Map<string, DomainEvent>();
  for (const event of events) {
    const seen = latest.get(event.entityId);
    if (!seen || event.version >= seen.version) latest.set(event.entityId, event);
  }
  return latest;
}

/**
 * Applies a batch of domain events to the semantic index. Published posts are embedded (title +
 * body) and written with their vectors in one batch; drafts and deleted posts are removed.
 *
 * Version guard: one read fetches the stored versions of every post in the batch, and an event
 * not newer than what is stored is skipped, so redelivered and replayed events change nothing.
 * The read-then-write is not atomic: two writers could both read v1 and the one holding v2 could
 * land after the one holding v3. It is safe because the consumer group `semantic-indexer` has one
 * consumer, which handles batches one after another in stream order (and a restarted consumer
 * first re-handles what it left unacknowledged), so no other write to the same posts can fall
 * between the read and the write. Running several indexers would need a conditional write.
 */
export function createEventHandler(index: PostIndex, embedder: Embedder, log: Logger) {
  return async (events: DomainEvent[]): Promise<IndexerStats> => {
    const stats: IndexerStats = { upserted: 0, deleted: 0, skippedAsStale: 0, ignored: 0 };
    const postEvents = events.filter((event) => event.entity === 'Post' && POST_EVENTS.has(event.type));
    stats.ignored = events.length - postEvents.length;
    const latest = latestPerPost(postEvents);
    if (latest.size === 0) return stats;

    const stored = await index.versions([...latest.keys()]);
    const upserts: IndexedPost[] = [];
    const removals: string[] = [];
    for (const [postId, event] of latest) {
      const storedVersion = stored.get(postId);
      if (storedVersion !== undefined && event.version <= storedVersion) {
        stats.skippedAsStale += 1;
        continue;
      }
      if (event.type === 'PostDeleted') {
        removals.push(postId);
        continue;
      }
      const post = postFromEvent(postId, event.version, event.payload);
      // Only published posts are searchable; a post moved back to draft leaves the index.
      if (post.status === 'PUBLISHED') upserts.push(post);
      else removals.push(postId);
    }

    if (upserts.length > 0) {
      const vectors = await embedder.embed(upserts.map(embeddingText));
      await index.upsert(upserts.map((post, i) => ({ post, vector: vectors[i]! })));
    }
    // Removing a post that is not there is a no-op, so only posts we know of cost a request.
    const known = removals.filter((postId) => stored.has(postId));
    await index.remove(known);
    stats.upserted = upserts.length;
    stats.deleted = known.length;
    log.debug({ ...stats, batch: events.length }, 'semantic index updated');
    return stats;
  };
}

export interface IndexerOptions {
  redis: Redis;
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
