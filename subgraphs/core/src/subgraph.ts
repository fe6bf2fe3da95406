import { checkEvictionPolicy, connectEventsRedis, startOutboxRelay } from '@aetherial/events';
import {
  defineSubgraph,
  eventLogHousekeeping,
  redisUrls,
  requireSetting,
  storeRequestCounter,
} from '@aetherial/subgraph-kit';
import { tokenIssuer } from './auth.js';
import type { CoreConfig } from './config.js';
import { coreContextFactory } from './context.js';
import { migrate } from './migrate.js';
import { createOutbox } from './outbox.js';
import { resolvers } from './resolvers.js';
import { createDb, pingDb } from './store.js';

/** The core subgraph: users, products and orders in PostgreSQL, and the relay of its outbox. */
export const coreSubgraph = defineSubgraph({
  name: 'core',
  schema: new URL('../schema.graphql', import.meta.url),
  resolvers,
  /** PostgreSQL through Prisma (migrated at start unless CORE_MIGRATE_ON_START=false), the outbox, Redis. */
  async stores(config: CoreConfig, { log, metrics }) {
    // Refuse to start without the token secret before touching any store.
    const issueToken = tokenIssuer({
      secret: requireSetting(config.JWT_SECRET, 'JWT_SECRET'),
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.JWT_TTL_SECONDS,
    });
    if (config.CORE_OUTBOX_RELAY) {
      // Before any store is touched: production refuses an events Redis that may evict the stream.
      const production = config.NODE_ENV === 'production';
      await checkEvictionPolicy({ url: redisUrls(config).events, role: 'events', production, log });
    }
    if (config.CORE_MIGRATE_ON_START) {
      await migrate({ databaseUrl: config.CORE_DATABASE_URL, log: (message) => log.info(message) });
    }
    const db = createDb({
      databaseUrl: config.CORE_DATABASE_URL,
      poolSize: config.CORE_DATABASE_POOL_SIZE,
      onLog: (level, message) => log[level]({ source: 'prisma' }, message),
      requests: storeRequestCounter(metrics, 'postgres'),
    });
    const outbox = createOutbox(db);
    // The relay publishes on it; without the relay no Redis connection is made.
    const redis = config.CORE_OUTBOX_RELAY
      ? connectEventsRedis(redisUrls(config).events, { lazyConnect: false, maxRetriesPerRequest: 3 })
      : null;
    redis?.on('error', (error) => log.debug({ err: error }, 'redis error'));
    return {
      db,
      outbox,
      redis,
      issueToken,
      ready: () => pingDb(db),
      close: async () => {
        await outbox.close();
        await redis?.quit().catch(() => undefined);
        await db.$disconnect();
      },
    };
  },
  /** The outbox relay (CORE_OUTBOX_RELAY). */
  workers: ({ outbox, redis }, config, { log }) => ({
    relay: redis
      ? startOutboxRelay({
          outbox,
          redis,
          log: log.child({ component: 'outbox-relay' }),
          housekeeping: eventLogHousekeeping(config),
        })
      : null,
  }),
  context: (base, { db, issueToken }, { relay }) =>
    coreContextFactory(db, issueToken, () => relay?.nudge())(base),
});

/** Starts the core subgraph (src/index.ts, and the tests on port 0). */
export const createSubgraph = coreSubgraph.start;

export type RunningCoreSubgraph = Awaited<ReturnType<typeof createSubgraph>>;
