import { createLogger } from '@aetherial/subgraph-kit';
import { loadSemanticConfig } from './config.js';
import { defaultEmbedder } from './embedder.js';
import { startConfiguredIndexer } from './runtime.js';
import { connectWeaviate } from './weaviate.js';

/** The event indexer alone (`npm run indexer`), for running it apart from the GraphQL server. */
async function main(): Promise<void> {
  const config = loadSemanticConfig();
  const log = createLogger('semantic-indexer', config.LOG_LEVEL);
  const client = await connectWeaviate(config);
  const indexer = await startConfiguredIndexer(config, client, defaultEmbedder(), log);
  log.info(
    { group: config.SEMANTIC_INDEXER_GROUP, consumer: config.SEMANTIC_INDEXER_CONSUMER },
    'semantic indexer running',
  );
  const shutdown = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'stopping the semantic indexer');
    indexer
      .stop()
      .then(() => client.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'indexer shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
