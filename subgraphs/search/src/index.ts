import { registerConsumerLag, runUntilSignalled, type RunningSubgraph } from '@aetherial/subgraph-kit';
import { loadSearchConfig } from './config.js';
import { startIndexerProcess } from './indexer-process.js';
import { createSubgraph } from './subgraph.js';

/**
 * The search subgraph; with SEARCH_INDEXER_ENABLED (default) it also runs the event indexer, so
 * one process is the whole read model. The subgraph starts even when the engine is down (its
 * fields answer UNAVAILABLE until it is back); the indexer waits for the engine.
 */
runUntilSignalled(async (): Promise<RunningSubgraph> => {
  const config = loadSearchConfig();
  const subgraph = await createSubgraph(config);
  if (!config.SEARCH_INDEXER_ENABLED) return subgraph;
  const indexer = startIndexerProcess(config, subgraph.log);
  indexer.started.then(
    (running) => registerConsumerLag(subgraph.metrics.registry, 'search-indexer', running.lag),
    () => undefined,
  );
  return {
    ...subgraph,
    stop: async () => {
      await indexer.stop();
      await subgraph.stop();
    },
  };
});
