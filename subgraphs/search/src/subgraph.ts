import { defineSubgraph, registerConsumerLag, storeRequestCounter } from '@aetherial/subgraph-kit';
import type { SearchConfig } from './config.js';
import type { SearchContext } from './context.js';
import type { SearchEngine } from './engine/engine.js';
import { createEngine } from './engine/select.js';
import { startIndexerProcess } from './indexer-process.js';
import { resolvers } from './resolvers.js';
import { createSearchService } from './service.js';

export interface SearchSubgraphOptions {
  /**
   * An engine to use instead of the configured one (tests); closed with the subgraph either way.
   * Its requests are not in the subgraph's store_requests_total.
   */
  engine?: SearchEngine;
}

/**
 * The search subgraph over OpenSearch (or Elasticsearch); with SEARCH_INDEXER_ENABLED (default) it
 * also runs the event indexer, so one process is the whole read model. It starts even when the
 * engine is down (its fields answer UNAVAILABLE until it is back); the indexer waits for the engine.
 */
export const searchSubgraph = defineSubgraph({
  name: 'search',
  schema: new URL('../schema.graphql', import.meta.url),
  resolvers,
  /** The search engine client (one label for its store requests, whichever driver SEARCH_ENGINE picks). */
  async stores(config: SearchConfig, { metrics }, options: SearchSubgraphOptions) {
    const engine = options.engine ?? createEngine(config, storeRequestCounter(metrics, config.SEARCH_ENGINE));
    return {
      engine,
      search: createSearchService(engine, config.SEARCH_ALIAS),
      ready: () => engine.ping(),
      close: () => engine.close(),
    };
  },
  /** The event indexer (SEARCH_INDEXER_ENABLED), with its own engine client and Redis connection. */
  workers(_stores, config, { log, metrics }) {
    if (!config.SEARCH_INDEXER_ENABLED) return { indexer: undefined };
    const indexer = startIndexerProcess(config, log);
    indexer.started.then(
      (running) => registerConsumerLag(metrics.registry, 'search-indexer', running.lag),
      () => undefined,
    );
    return { indexer };
  },
  context: (base, { search }): SearchContext => ({ ...base, search }),
});

/** Starts the search subgraph (src/index.ts, and the tests on port 0). */
export const createSubgraph = searchSubgraph.start;
