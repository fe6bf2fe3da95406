import { registerConsumerLag, runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadSemanticConfig } from './config.js';
import { defaultEmbedder } from './embedder.js';
import { startConfiguredIndexer, type RunningIndexer } from './runtime.js';
import { createSubgraph } from './subgraph.js';

const RETRY_MS = 5000;

runUntilSignalled(async () => {
  const config = loadSemanticConfig();
  const subgraph = await createSubgraph(config);
  if (!config.SEMANTIC_RUN_INDEXER) return subgraph;

  // The indexer needs Weaviate and Redis; keep trying in the background so the subgraph serves
  // (and reports not ready) while a store is still starting.
  let indexer: RunningIndexer | undefined;
  let stopping = false;
  const startIndexing = async (): Promise<void> => {
    while (!stopping && !indexer) {
      try {
        indexer = await startConfiguredIndexer(config, subgraph.client, defaultEmbedder(), subgraph.log);
        subgraph.log.info({ group: config.SEMANTIC_INDEXER_GROUP }, 'semantic indexer started');
        registerConsumerLag(subgraph.metrics.registry, config.SEMANTIC_INDEXER_GROUP, indexer.consumer.lag);
      } catch (error) {
        subgraph.log.warn(
          { err: error },
          `semantic indexer could not start; retrying in ${RETRY_MS / 1000}s`,
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  };
  const starting = startIndexing();
  return {
    ...subgraph,
    stop: async () => {
      stopping = true;
      await starting;
      await indexer?.stop();
      await subgraph.stop();
    },
  };
});
