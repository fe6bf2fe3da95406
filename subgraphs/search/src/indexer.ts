import { startConsumer, startTombstonePurge, type DomainEvent, type EventsRedis } from '@aetherial/events';
import type { Logger } from 'pino';
import { ensureIndex, writeTargets } from './aliases.js';
import {
  EngineUnavailableError,
  type BulkItemResult,
  type IndexDefinition,
  type SearchEngine,
} from './engine/engine.js';
import { addressed, latestPerDocument, writeForEvent, type DocumentWrite } from './operations.js';
import { searchTombstones } from './tombstones.js';

export const INDEXER_GROUP = 'search-indexer';

export interface IndexerOptions {
  engine: SearchEngine;
  redis: EventsRedis;
  alias: string;
  definition: IndexDefinition;
  log: Logger;
  /** This process's name in the consumer group. */
  consumer: string;
  stream?: string;
  group?: string;
  batchSize?: number;
  blockMs?: number;
  claimIdleMs?: number;
  /** Failed deliveries of an event before it is dead-lettered (engine outages do not count). */
  maxDeliveries?: number;
  /** Cap of the backoff between retries, also while the engine is unavailable. */
  maxRetryDelayMs?: number;
  /** How often the consumer lag is logged (when not zero). */
  lagLogIntervalMs?: number;
  /** Forgetting tombstones no late event can need (the kit's tombstonePurgeSettings); off when absent. */
  tombstonePurge?: { intervalMs: number; minAgeMs: number };
}

/** Counters since start, for logs and throughput measurements. */
export interface IndexerStats {
  batches: number;
  events: number;
  written: number;
  /** Writes the engine rejected as older than what it has (redeliveries, out-of-order events). */
  stale: number;
  bulkMs: number;
}

export interface RunningIndexer {
  stop: () => Promise<void>;
  /** Resolves once every event in the stream has been applied and acknowledged. */
  drained: () => Promise<void>;
  lag: () => Promise<number>;
  stats: IndexerStats;
}

/** A batch is acknowledged only when every write was applied or rejected as stale. */
export class BulkWriteError extends Error {
  constructor(readonly failures: BulkItemResult[]) {
    const first = failures[0];
    super(`${failures.length} search writes failed, first ${first?.index}/${first?.id}: ${first?.error}`);
    this.name = 'BulkWriteError';
  }
}

/**
 * The engine is down, restarting or overloaded (connection refused, timeout, 429, 5xx): the
 * indexer waits for it rather than counting the failure against the events. A bulk request whose
 * failed items all failed that way (shards not yet allocated after a restart, a full write queue)
 * is the same outage; an item refused for itself (a mapping error, 400) is not.
 */
export function isEngineOutage(error: unknown): boolean {
  if (error instanceof EngineUnavailableError) return true;
  return (
    error instanceof BulkWriteError &&
    error.failures.every((failure) => failure.status === 429 || failure.status >= 500)
  );
}

/**
 * Applies a batch of domain events to the search index in one bulk request. External versioning
 * makes it idempotent and order-independent: a redelivered or late event is a 409 (stale), which
 * counts as done. Any other per-item failure throws, so the consumer does not acknowledge it.
 */
export async function applyEvents(
  engine: SearchEngine,
  alias: string,
  definition: IndexDefinition,
  events: DomainEvent[],
  log?: Logger,
): Promise<{ writes: DocumentWrite[]; results: BulkItemResult[] }> {
  const writes = latestPerDocument(
    events.map(writeForEvent).filter((write): write is DocumentWrite => write !== null),
  );
  if (writes.length === 0) return { writes, results: [] };
  const targets = await writeTargets(engine, alias, definition, log);
  const results = await engine.bulk(addressed(writes, targets));
  const failures = results.filter((result) => result.outcome === 'failed');
  if (failures.length > 0) throw new BulkWriteError(failures);
  return { writes, results };
}

/** The `search-indexer` consumer group on the domain events stream, feeding the search index. */
export async function startIndexer(options: IndexerOptions): Promise<RunningIndexer> {
  const { engine, redis, alias, definition, log } = options;
  const stats: IndexerStats = { batches: 0, events: 0, written: 0, stale: 0, bulkMs: 0 };
  await ensureIndex(engine, alias, definition, log);

  const consumer = await startConsumer({
    redis,
    log,
    group: options.group ?? INDEXER_GROUP,
    consumer: options.consumer,
    ...(options.stream ? { stream: options.stream } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.blockMs ? { blockMs: options.blockMs } : {}),
    ...(options.claimIdleMs ? { claimIdleMs: options.claimIdleMs } : {}),
    ...(options.maxDeliveries ? { maxDeliveries: options.maxDeliveries } : {}),
    ...(options.maxRetryDelayMs ? { maxRetryDelayMs: options.maxRetryDelayMs } : {}),
    isTransient: isEngineOutage,
    handle: async (events) => {
      const started = performance.now();
      const { results } = await applyEvents(engine, alias, definition, events, log);
      const elapsed = performance.now() - started;
      stats.batches += 1;
      stats.events += events.length;
      stats.bulkMs += elapsed;
      for (const result of results) {
        if (result.outcome === 'stale') stats.stale += 1;
        else stats.written += 1;
      }
      log.debug(
        { events: events.length, writes: results.length, ms: Math.round(elapsed) },
        'indexed a batch',
      );
    },
  });

  // The subgraph kit's /metrics registry is not reachable from here; the lag goes to the log.
  let lastLag = 0;
  const lagTimer = setInterval(() => {
    consumer.lag().then(
      (lag) => {
        if (lag > 0 || lastLag > 0) log.info({ lag, ...stats }, 'search indexer lag');
        lastLag = lag;
      },
      (error: unknown) => log.warn({ err: error }, 'could not read the search indexer lag'),
    );
  }, options.lagLogIntervalMs ?? 30_000);
  lagTimer.unref();
  const purge = options.tombstonePurge
    ? startTombstonePurge({
        redis,
        log,
        tombstones: searchTombstones(engine, alias),
        ...options.tombstonePurge,
        ...(options.stream ? { stream: options.stream } : {}),
      })
    : undefined;

  return {
    stats,
    lag: consumer.lag,
    drained: consumer.drained,
    stop: async () => {
      clearInterval(lagTimer);
      await purge?.stop();
      await consumer.stop();
    },
  };
}
