import { connectEventsRedis, startTombstonePurge, type RunningConsumer } from '@aetherial/events';
import { redisUrls, tombstonePurgeSettings, type Logger } from '@aetherial/subgraph-kit';
import type { SemanticConfig } from './config.js';
import type { Embedder } from './embedder.js';
import { startIndexer } from './indexer.js';
import { PostIndex } from './store.js';
import type { WeaviateClient } from 'weaviate-client';

export interface RunningIndexer {
  consumer: RunningConsumer;
  stop: () => Promise<void>;
}

/** Starts the event indexer with its own Redis connection, from the process configuration. */
export async function startConfiguredIndexer(
  config: SemanticConfig,
  client: WeaviateClient,
  embedder: Embedder,
  log: Logger,
): Promise<RunningIndexer> {
  const redis = connectEventsRedis(redisUrls(config).events, {
    lazyConnect: false,
    maxRetriesPerRequest: null,
  });
  try {
    const index = new PostIndex(client, config.SEMANTIC_COLLECTION);
    const consumer = await startIndexer({
      redis,
      index,
      embedder,
      log: log.child({ component: 'indexer' }),
      group: config.SEMANTIC_INDEXER_GROUP,
      consumer: config.SEMANTIC_INDEXER_CONSUMER,
      batchSize: config.SEMANTIC_INDEXER_BATCH,
    });
    const purge = startTombstonePurge({
      redis,
      log,
      tombstones: { name: 'semantic', purgeTombstones: (before) => index.purgeTombstones(before) },
      ...tombstonePurgeSettings(config),
    });
    return {
      consumer,
      stop: async () => {
        await purge.stop();
        await consumer.stop();
        redis.disconnect();
      },
    };
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}
