import {
  createLogger,
  createMetrics,
  loadTypeDefs,
  startSubgraph,
  storeRequestCounter,
  type RunningSubgraph,
} from '@aetherial/subgraph-kit';
import type { SearchConfig } from './config.js';
import type { SearchEngine } from './engine/engine.js';
import { createEngine } from './engine/select.js';
import { resolvers } from './resolvers.js';
import { createSearchService } from './service.js';

export interface SearchSubgraphOptions {
  /**
   * An engine to use instead of the configured one (tests); closed with the subgraph either way.
   * Its requests are not in the subgraph's store_requests_total.
   */
  engine?: SearchEngine;
}

/** The search subgraph's HTTP server; shared by src/index.ts and the tests (port 0 there). */
export async function createSubgraph(
  config: SearchConfig,
  options: SearchSubgraphOptions = {},
): Promise<RunningSubgraph & { engine: SearchEngine }> {
  const metrics = createMetrics('search');
  // One label for the search engine store, whichever driver SEARCH_ENGINE picks.
  const engine = options.engine ?? createEngine(config, storeRequestCounter(metrics, config.SEARCH_ENGINE));
  const search = createSearchService(engine, config.SEARCH_ALIAS);
  const running = await startSubgraph({
    name: 'search',
    typeDefs: loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
    resolvers,
    port: config.SEARCH_PORT,
    host: config.SEARCH_HOST,
    gatewaySecret: config.GATEWAY_SHARED_SECRET,
    allowUnsigned: config.SEARCH_ALLOW_UNSIGNED,
    context: (base) => ({ ...base, search }),
    ready: () => engine.ping(),
    close: () => engine.close(),
    log: createLogger('search', config.LOG_LEVEL),
    metrics,
  });
  return { ...running, engine };
}
