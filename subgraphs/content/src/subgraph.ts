import { checkEvictionPolicy, startOutboxRelay, type RunningRelay } from '@aetherial/events';
import {
  createLogger,
  gatewayTrust,
  createMetrics,
  eventLogHousekeeping,
  loadTypeDefs,
  redisUrls,
  startSubgraph,
  storeRequestCounter,
  type RunningSubgraph,
} from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import type { ContentConfig } from './config.js';
import type { ContentContext } from './context.js';
import { createLoaders } from './loaders.js';
import { ContentOutbox } from './outbox.js';
import { resolvers } from './resolvers.js';
import { connectStore, type ContentStore, type StoreOptions } from './store.js';

export interface CreateContentSubgraphOptions extends StoreOptions {
  /** Publish the outbox to Redis (default true). Tests pass false and drive a relay themselves. */
  relay?: boolean;
  port?: number;
}

export interface ContentSubgraph extends RunningSubgraph {
  store: ContentStore;
  outbox: ContentOutbox;
  relay: RunningRelay | null;
}

/** The content subgraph, shared by src/index.ts and the tests (which start it on port 0). */
export async function createSubgraph(
  config: ContentConfig,
  options: CreateContentSubgraphOptions = {},
): Promise<ContentSubgraph> {
  const trust = gatewayTrust('content', config, config.CONTENT_ALLOW_UNSIGNED); // refuses before any store
  const log = createLogger('content', config.LOG_LEVEL);
  if (options.relay ?? true) {
    // Before any store is touched: production refuses an events Redis that may evict the stream.
    const production = config.NODE_ENV === 'production';
    await checkEvictionPolicy({ url: redisUrls(config).events, role: 'events', production, log });
  }
  const metrics = createMetrics('content');
  const store = await connectStore(config.MONGODB_URL, {
    ...options,
    batchReads: options.batchReads ?? config.CONTENT_BATCH_READS,
    requests: storeRequestCounter(metrics, 'mongodb'),
  });
  log.info({ batchReads: store.batchReads }, 'content store connected');
  const outbox = new ContentOutbox(store);
  let redis: Redis | null = null;
  let relay: RunningRelay | null = null;
  if (options.relay ?? true) {
    redis = new Redis(redisUrls(config).events, { maxRetriesPerRequest: 3 });
    relay = startOutboxRelay({
      outbox,
      redis,
      log: log.child({ component: 'outbox-relay' }),
      stream: config.EVENTS_STREAM,
      housekeeping: eventLogHousekeeping(config),
    });
  }
  try {
    const running = await startSubgraph<ContentContext>({
      name: 'content',
      typeDefs: loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
      resolvers,
      port: options.port ?? config.CONTENT_PORT,
      host: config.CONTENT_HOST,
      trust,
      log,
      metrics,
      context: (base) => ({
        ...base,
        store,
        loaders: createLoaders(store, base.viewer.userId),
        eventsRecorded: () => relay?.nudge(),
      }),
      ready: () => store.ping(),
      close: async () => {
        await relay?.stop();
        await redis?.quit();
        await store.close();
      },
    });
    return { ...running, store, outbox, relay };
  } catch (error) {
    await relay?.stop();
    redis?.disconnect();
    await store.close();
    throw error;
  }
}
