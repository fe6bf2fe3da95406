import { connectEventsRedis, startOutboxRelay, startTombstonePurge } from '@aetherial/events';
import {
  defineSubgraph,
  redisUrls,
  registerConsumerLag,
  storeRequestCounter,
  tombstonePurgeSettings,
} from '@aetherial/subgraph-kit';
import type { SocialConfig } from './config.js';
import type { SocialContext } from './context.js';
import { createLoaders } from './loaders.js';
import { createDriver, ensureSchema, Graph, type Driver } from './neo4j.js';
import { Neo4jOutbox } from './outbox.js';
import { Projection } from './projection.js';
import { startProjector } from './projector.js';
import { resolvers } from './resolvers.js';
import { SocialStore } from './store.js';

export interface SocialDependencies {
  /** A driver to use instead of one made from the config (tests wrap it); the caller closes it. */
  driver?: Driver;
}

/** The social subgraph: follows and likes in Neo4j, its outbox relay, and the projector of events. */
export const socialSubgraph = defineSubgraph({
  name: 'social',
  schema: new URL('../schema.graphql', import.meta.url),
  resolvers,
  // Friends of friends and shortest paths change with any follow, not only the user's own.
  cacheTags: { broadLists: ['User.recommendedFollows', 'User.connectionPath'] },
  /** Neo4j (constraints made at start) and, when a worker runs, Redis. */
  async stores(config: SocialConfig, { metrics }, dependencies: SocialDependencies) {
    const driver = dependencies.driver ?? createDriver(config);
    const graph = new Graph(driver, config.NEO4J_DATABASE, storeRequestCounter(metrics, 'neo4j'));
    // The relay publishes on it, the projector reads on a duplicate of it.
    const redis =
      config.SOCIAL_RELAY || config.SOCIAL_PROJECTOR
        ? connectEventsRedis(redisUrls(config).events, { lazyConnect: false, maxRetriesPerRequest: null })
        : undefined;
    const close = async () => {
      redis?.disconnect();
      if (!dependencies.driver) await driver.close();
    };
    await ensureSchema(graph).catch(async (error: unknown) => {
      await close();
      throw error;
    });
    return {
      graph,
      redis,
      store: new SocialStore(graph, config.EVENTS_STREAM),
      ready: () => graph.ping(),
      close,
    };
  },
  /** The relay of social's own events (SOCIAL_RELAY) and the projector of the others' (SOCIAL_PROJECTOR). */
  workers({ graph, redis }, config, { log, metrics }) {
    const relay =
      config.SOCIAL_RELAY && redis
        ? startOutboxRelay({
            outbox: new Neo4jOutbox(graph, config.EVENTS_STREAM),
            redis,
            log: log.child({ component: 'relay' }),
            stream: config.EVENTS_STREAM,
          })
        : undefined;
    const projector =
      config.SOCIAL_PROJECTOR && redis
        ? startProjector({
            graph,
            redis,
            log,
            stream: config.EVENTS_STREAM,
            group: config.SOCIAL_PROJECTOR_GROUP,
            consumer: config.SOCIAL_PROJECTOR_CONSUMER,
          })
        : undefined;
    if (projector) registerConsumerLag(metrics.registry, config.SOCIAL_PROJECTOR_GROUP, projector.lag);
    const projection = new Projection(graph);
    const tombstonePurge =
      projector && redis
        ? startTombstonePurge({
            redis,
            log: log.child({ component: 'tombstone-purge' }),
            tombstones: { name: 'social', purgeTombstones: (before) => projection.purgeTombstones(before) },
            stream: config.EVENTS_STREAM,
            ...tombstonePurgeSettings(config),
          })
        : undefined;
    return { relay, projector, tombstonePurge };
  },
  context: (base, { store }): SocialContext => ({
    ...base,
    store,
    loaders: createLoaders(store, base.viewer.userId),
  }),
});

/** Starts the social subgraph (src/index.ts, and the tests on port 0). */
export const createSubgraph = socialSubgraph.start;

export type RunningSocial = Awaited<ReturnType<typeof createSubgraph>>;
