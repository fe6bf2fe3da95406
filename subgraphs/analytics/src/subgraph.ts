import { defineSubgraph, redisUrls, registerConsumerLag, storeRequestCounter } from '@aetherial/subgraph-kit';
import { clusterAddress, connectEventsRedis } from '@aetherial/events';
import type { AnalyticsConfig } from './config.js';
import type { AnalyticsContext } from './context.js';
import { Influx, routeClientLog } from './influx.js';
import { createLoaders } from './loaders.js';
import { startRecorder } from './recorder.js';
import { resolvers } from './resolvers.js';
import { ensureSchema } from './rollups.js';
import { AnalyticsStore } from './store.js';
import { ViewRecorder } from './views.js';

/**
 * Redis keys of one InfluxDB database (known posts, view marks, rate limits) live under this prefix.
 * On a Redis Cluster it is a hash tag: a batch of views reads the known posts and sets its marks in
 * one pipeline, which a cluster runs only within one slot.
 */
export const redisKeyPrefix = (
  config: Pick<AnalyticsConfig, 'INFLUXDB_DATABASE' | 'REDIS_URL' | 'EVENTS_REDIS_URL'>,
): string => {
  const prefix = `analytics:${config.INFLUXDB_DATABASE}`;
  return clusterAddress(redisUrls(config).events) ? `{${prefix}}` : prefix;
};

/** The analytics subgraph: activity over time in InfluxDB, and the recorder of domain events. */
export const analyticsSubgraph = defineSubgraph({
  name: 'analytics',
  schema: new URL('../schema.graphql', import.meta.url),
  resolvers,
  /** InfluxDB (its database, retention policies and rollups made at start) and Redis (view marks). */
  async stores(config: AnalyticsConfig, { log, metrics }) {
    routeClientLog(log);
    const influx = new Influx(config, storeRequestCounter(metrics, 'influxdb'));
    const store = new AnalyticsStore(influx);
    const redis = connectEventsRedis(redisUrls(config).events, {
      lazyConnect: false,
      maxRetriesPerRequest: null,
    });
    redis.on('error', (error: Error) => log.debug({ err: error.message }, 'redis connection error'));
    const views = new ViewRecorder({
      redis,
      store,
      keyPrefix: redisKeyPrefix(config),
      dedupeSeconds: config.ANALYTICS_VIEW_DEDUPE_SECONDS,
      viewsPerMinute: config.ANALYTICS_VIEWS_PER_MINUTE,
    });
    const close = async () => redis.disconnect();
    await ensureSchema(influx, config).catch(async (error: unknown) => {
      await close();
      throw error;
    });
    return { config, influx, store, views, redis, ready: () => influx.ping(), close };
  },
  /** The recorder of domain events (ANALYTICS_RECORDER). */
  workers({ influx, redis }, config, { log, metrics }) {
    if (!config.ANALYTICS_RECORDER) return { recorder: undefined };
    const recorder = startRecorder({
      influx,
      redis,
      log,
      keyPrefix: redisKeyPrefix(config),
      retentions: config,
      stream: config.EVENTS_STREAM,
      group: config.ANALYTICS_RECORDER_GROUP,
      consumer: config.ANALYTICS_RECORDER_CONSUMER,
    });
    registerConsumerLag(metrics.registry, config.ANALYTICS_RECORDER_GROUP, recorder.lag);
    return { recorder };
  },
  context: (base, { config, store, views }): AnalyticsContext => ({
    ...base,
    config,
    store,
    views,
    loaders: createLoaders(store),
  }),
});

/** Starts the analytics subgraph (src/index.ts, and the tests on port 0). */
export const createSubgraph = analyticsSubgraph.start;

export type RunningAnalytics = Awaited<ReturnType<typeof createSubgraph>>;
