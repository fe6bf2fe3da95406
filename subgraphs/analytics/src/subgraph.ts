import type { RunningConsumer } from '@aetherial/events';
import {
  createLogger,
  gatewayTrust,
  createMetrics,
  loadTypeDefs,
  registerConsumerLag,
  startSubgraph,
  storeRequestCounter,
  redisUrls,
  type Logger,
  type RunningSubgraph,
} from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import type { AnalyticsConfig } from './config.js';
import type { AnalyticsContext } from './context.js';
import { Influx, routeClientLog } from './influx.js';
import { createLoaders } from './loaders.js';
import { startRecorder } from './recorder.js';
import { resolvers } from './resolvers.js';
import { ensureSchema } from './rollups.js';
import { AnalyticsStore } from './store.js';
import { ViewRecorder } from './views.js';

export interface AnalyticsDependencies {
  log?: Logger;
}

export interface RunningAnalytics extends RunningSubgraph {
  store: AnalyticsStore;
  /** The recorder, when it runs in this process. */
  recorder?: RunningConsumer;
}

/** Redis keys of one InfluxDB database (known posts, view marks, rate limits) live under this prefix. */
export const redisKeyPrefix = (config: Pick<AnalyticsConfig, 'INFLUXDB_DATABASE'>): string =>
  `analytics:${config.INFLUXDB_DATABASE}`;

/** The analytics subgraph (and, when enabled, its recorder), shared by src/index.ts and the tests. */
export async function createSubgraph(
  config: AnalyticsConfig,
  dependencies: AnalyticsDependencies = {},
): Promise<RunningAnalytics> {
  const trust = gatewayTrust('analytics', config, config.ANALYTICS_ALLOW_UNSIGNED); // refuses before any store
  const log = dependencies.log ?? createLogger('analytics', config.LOG_LEVEL);
  routeClientLog(log);
  const metrics = createMetrics('analytics');
  const influx = new Influx(config, storeRequestCounter(metrics, 'influxdb'));
  const store = new AnalyticsStore(influx);
  const redis = new Redis(redisUrls(config).events, { lazyConnect: false, maxRetriesPerRequest: null });
  redis.on('error', (error: Error) => log.debug({ err: error.message }, 'redis connection error'));
  const keyPrefix = redisKeyPrefix(config);
  const views = new ViewRecorder({
    redis,
    store,
    keyPrefix,
    dedupeSeconds: config.ANALYTICS_VIEW_DEDUPE_SECONDS,
    viewsPerMinute: config.ANALYTICS_VIEWS_PER_MINUTE,
  });
  let recorder: RunningConsumer | undefined;
  const closeStores = async () => {
    await recorder?.stop();
    redis.disconnect();
  };

  try {
    await ensureSchema(influx, config);
    if (config.ANALYTICS_RECORDER) {
      recorder = startRecorder({
        influx,
        redis,
        log,
        keyPrefix,
        retentions: config,
        stream: config.EVENTS_STREAM,
        group: config.ANALYTICS_RECORDER_GROUP,
        consumer: config.ANALYTICS_RECORDER_CONSUMER,
      });
      registerConsumerLag(metrics.registry, config.ANALYTICS_RECORDER_GROUP, recorder.lag);
    }
    const running = await startSubgraph<AnalyticsContext>({
      name: 'analytics',
      typeDefs: loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
      resolvers,
      port: config.ANALYTICS_PORT,
      host: config.ANALYTICS_HOST,
      trust,
      log,
      metrics,
      context: (base) => ({ ...base, config, store, views, loaders: createLoaders(store) }),
      ready: () => influx.ping(),
      close: closeStores,
    });
    return { ...running, store, ...(recorder ? { recorder } : {}) };
  } catch (error) {
    await closeStores();
    throw error;
  }
}
