import { checkEvictionPolicy, startOutboxRelay, type RunningRelay } from '@aetherial/events';
import {
  createLogger,
  gatewayTrust,
  requireSetting,
  createMetrics,
  eventLogHousekeeping,
  loadTypeDefs,
  redisUrls,
  startSubgraph,
  storeRequestCounter,
  type RunningSubgraph,
} from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { tokenIssuer } from './auth.js';
import type { CoreConfig } from './config.js';
import { coreContextFactory } from './context.js';
import { migrate } from './migrate.js';
import { createOutbox } from './outbox.js';
import { resolvers } from './resolvers.js';
import { createDb, pingDb, type CoreDb } from './store.js';

export interface RunningCoreSubgraph extends RunningSubgraph {
  db: CoreDb;
  /** The outbox relay when CORE_OUTBOX_RELAY is on. */
  relay: RunningRelay | null;
}

/** Starts the core subgraph (used by src/index.ts and by the tests, on port 0). */
export async function createSubgraph(config: CoreConfig): Promise<RunningCoreSubgraph> {
  // Refuse to start without secrets before touching any store.
  const trust = gatewayTrust('core', config, config.CORE_ALLOW_UNSIGNED);
  const issueToken = tokenIssuer({
    secret: requireSetting(config.JWT_SECRET, 'JWT_SECRET'),
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.JWT_TTL_SECONDS,
  });
  const log = createLogger('core', config.LOG_LEVEL);
  if (config.CORE_OUTBOX_RELAY) {
    // Before any store is touched: production refuses an events Redis that may evict the stream.
    const production = config.NODE_ENV === 'production';
    await checkEvictionPolicy({ url: redisUrls(config).events, role: 'events', production, log });
  }
  if (config.CORE_MIGRATE_ON_START) {
    await migrate({ databaseUrl: config.CORE_DATABASE_URL, log: (message) => log.info(message) });
  }
  const metrics = createMetrics('core');
  const db = createDb({
    databaseUrl: config.CORE_DATABASE_URL,
    poolSize: config.CORE_DATABASE_POOL_SIZE,
    onLog: (level, message) => log[level]({ source: 'prisma' }, message),
    requests: storeRequestCounter(metrics, 'postgres'),
  });
  let redis: Redis | null = null;
  let relay: RunningRelay | null = null;
  const outbox = createOutbox(db);
  if (config.CORE_OUTBOX_RELAY) {
    redis = new Redis(redisUrls(config).events, { lazyConnect: false, maxRetriesPerRequest: 3 });
    redis.on('error', (error) => log.debug({ err: error }, 'redis error'));
    relay = startOutboxRelay({
      outbox,
      redis,
      log: log.child({ component: 'outbox-relay' }),
      housekeeping: eventLogHousekeeping(config),
    });
  }
  try {
    const running = await startSubgraph({
      name: 'core',
      typeDefs: loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
      resolvers,
      port: config.CORE_PORT,
      host: config.CORE_HOST,
      trust,
      context: coreContextFactory(db, issueToken, () => relay?.nudge()),
      ready: () => pingDb(db),
      close: async () => {
        await relay?.stop();
        await outbox.close();
        await redis?.quit().catch(() => undefined);
        await db.$disconnect();
      },
      log,
      metrics,
    });
    return { ...running, db, relay };
  } catch (error) {
    await relay?.stop();
    await outbox.close();
    redis?.disconnect();
    await db.$disconnect();
    throw error;
  }
}
