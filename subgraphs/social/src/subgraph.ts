import { startOutboxRelay, type RunningConsumer, type RunningRelay } from '@aetherial/events';
import {
  gatewayTrust,
  createLogger,
  createMetrics,
  loadTypeDefs,
  registerConsumerLag,
  startSubgraph,
  storeRequestCounter,
  type Logger,
  type RunningSubgraph,
} from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import type { SocialConfig } from './config.js';
import type { SocialContext } from './context.js';
import { createLoaders } from './loaders.js';
import { createDriver, ensureSchema, Graph, type Driver } from './neo4j.js';
import { Neo4jOutbox } from './outbox.js';
import { startProjector } from './projector.js';
import { resolvers } from './resolvers.js';
import { SocialStore } from './store.js';

export interface SocialDependencies {
  /** A driver to use instead of one made from the config (tests wrap it); the caller closes it. */
  driver?: Driver;
  log?: Logger;
}

export interface RunningSocial extends RunningSubgraph {
  store: SocialStore;
}

/** The social subgraph (and, when enabled, its projector), shared by src/index.ts and the tests. */
export async function createSubgraph(
  config: SocialConfig,
  dependencies: SocialDependencies = {},
): Promise<RunningSocial> {
  const trust = gatewayTrust('social', config, config.SOCIAL_ALLOW_UNSIGNED); // refuses before any store
  const log = dependencies.log ?? createLogger('social', config.LOG_LEVEL);
  const driver = dependencies.driver ?? createDriver(config);
  const metrics = createMetrics('social');
  const graph = new Graph(driver, config.NEO4J_DATABASE, storeRequestCounter(metrics, 'neo4j'));
  const store = new SocialStore(graph, config.EVENTS_STREAM);
  // The relay publishes on it, the projector reads on a duplicate of it.
  const redis =
    config.SOCIAL_RELAY || config.SOCIAL_PROJECTOR
      ? new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: null })
      : undefined;
  let projector: RunningConsumer | undefined;
  let relay: RunningRelay | undefined;
  const closeStores = async () => {
    await relay?.stop();
    await projector?.stop();
    redis?.disconnect();
    if (!dependencies.driver) await driver.close();
  };

  try {
    await ensureSchema(graph);
    if (config.SOCIAL_RELAY && redis) {
      relay = startOutboxRelay({
        outbox: new Neo4jOutbox(graph, config.EVENTS_STREAM),
        redis,
        log: log.child({ component: 'relay' }),
        stream: config.EVENTS_STREAM,
      });
    }
    if (config.SOCIAL_PROJECTOR && redis) {
      projector = startProjector({
        graph,
        redis,
        log,
        stream: config.EVENTS_STREAM,
        group: config.SOCIAL_PROJECTOR_GROUP,
        consumer: config.SOCIAL_PROJECTOR_CONSUMER,
      });
      registerConsumerLag(metrics.registry, config.SOCIAL_PROJECTOR_GROUP, projector.lag);
    }
    const running = await startSubgraph<SocialContext>({
      name: 'social',
      typeDefs: loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
      // Friends of friends and shortest paths change with any follow, not only the user's own.
      cacheTags: { broadLists: ['User.recommendedFollows', 'User.connectionPath'] },
      resolvers,
      port: config.SOCIAL_PORT,
      host: config.SOCIAL_HOST,
      trust,
      log,
      metrics,
      context: (base) => ({ ...base, store, loaders: createLoaders(store, base.viewer.userId) }),
      ready: () => graph.ping(),
      close: closeStores,
    });
    return { ...running, store };
  } catch (error) {
    await closeStores();
    throw error;
  }
}
