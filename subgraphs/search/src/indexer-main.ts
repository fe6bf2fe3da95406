/**
 * `npm run indexer`: the search indexer alone (when the subgraph runs with
 * SEARCH_INDEXER_ENABLED=false, or to scale indexing apart from queries).
 */
import { createLogger } from '@aetherial/subgraph-kit';
import { loadSearchConfig } from './config.js';
import { startIndexerProcess } from './indexer-process.js';

const config = loadSearchConfig();
const log = createLogger('search-indexer', config.LOG_LEVEL);
const indexer = startIndexerProcess(config, log);

const shutdown = (signal: NodeJS.Signals) => {
  log.info({ signal }, 'search indexer stopping');
  indexer.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      log.error({ err: error }, 'search indexer did not stop cleanly');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
