import { checkEvictionPolicy, connectEventsRedis, startOutboxRelay } from '@aetherial/events';
import {
  defineSubgraph,
  eventLogHousekeeping,
  redisUrls,
  storeRequestCounter,
} from '@aetherial/subgraph-kit';
import type { ContentConfig } from './config.js';
import type { ContentContext } from './context.js';
import { createLoaders } from './loaders.js';
import { ContentOutbox } from './outbox.js';
import { resolvers } from './resolvers.js';
import { connectStore, type StoreOptions } from './store.js';

export interface CreateContentSubgraphOptions extends StoreOptions {
  /** Publish the outbox to Redis (default true). Tests pass false and drive a relay themselves. */
  relay?: boolean;
}

/** The content subgraph: posts and comments over the MongoDB protocol, and the relay of its outbox. */
export const contentSubgraph = defineSubgraph({
  name: 'content',
  schema: new URL('../schema.graphql', import.meta.url),
  resolvers,
  /** MongoDB (FerretDB here) through Mongoose, its outbox, and Redis when the relay runs. */
  async stores(config: ContentConfig, { log, metrics }, options: CreateContentSubgraphOptions) {
    const { relay: _relay, ...storeOptions } = options;
    if (options.relay ?? true) {
      // Before any store is touched: production refuses an events Redis that may evict the stream.
      const production = config.NODE_ENV === 'production';
      await checkEvictionPolicy({ url: redisUrls(config).events, role: 'events', production, log });
    }
    const store = await connectStore(config.MONGODB_URL, {
      ...storeOptions,
      batchReads: options.batchReads ?? config.CONTENT_BATCH_READS,
      requests: storeRequestCounter(metrics, 'mongodb'),
    });
    log.info({ batchReads: store.batchReads }, 'content store connected');
    const redis =
      (options.relay ?? true)
        ? connectEventsRedis(redisUrls(config).events, { maxRetriesPerRequest: 3 })
        : null;
    return {
      store,
      outbox: new ContentOutbox(store),
      redis,
      ready: () => store.ping(),
      close: async () => {
        await redis?.quit();
        await store.close();
      },
    };
  },
  /** The outbox relay (off in the tests, which drive relays themselves). */
  workers: ({ outbox, redis }, config, { log }) => ({
    relay: redis
      ? startOutboxRelay({
          outbox,
          redis,
          log: log.child({ component: 'outbox-relay' }),
          stream: config.EVENTS_STREAM,
          housekeeping: eventLogHousekeeping(config),
        })
      : null,
  }),
  context: (base, { store }, { relay }): ContentContext => ({
    ...base,
    store,
    loaders: createLoaders(store, base.viewer.userId),
    eventsRecorded: () => relay?.nudge(),
  }),
});

/** Starts the content subgraph (src/index.ts, and the tests on port 0). */
export const createSubgraph = contentSubgraph.start;

export type ContentSubgraph = Awaited<ReturnType<typeof createSubgraph>>;
