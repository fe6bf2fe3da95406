import { redisUrls, tombstonePurgeSettings } from '@aetherial/subgraph-kit';
import { connectEventsRedis } from '@aetherial/events';
import type { Logger } from 'pino';
import type { SearchConfig } from './config.js';
import { createEngine } from './engine/select.js';
import { startIndexer, type RunningIndexer } from './indexer.js';
import { searchIndexDefinition } from './mappings.js';

export interface IndexerProcess {
  /** Resolves with the indexer once the engine and Redis answered and it runs. */
  started: Promise<RunningIndexer>;
  stop: () => Promise<void>;
}

const RETRY_MS = 2000;

/**
 * Runs the indexer with its own engine client and Redis connection, retrying the start until the
 * engine is up (it creates the index on start). Events wait in the stream meanwhile.
 */
export function startIndexerProcess(config: SearchConfig, log: Logger): IndexerProcess {
  const engine = createEngine(config);
  const redis = connectEventsRedis(redisUrls(config).events, { lazyConnect: false });
  const indexerLog = log.child({ component: 'indexer' });
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let wakeUp: (() => void) | undefined;

  const started = (async (): Promise<RunningIndexer> => {
    for (let attempt = 1; ; attempt += 1) {
      if (stopped) throw new Error('indexer stopped before it started');
      try {
        const indexer = await startIndexer({
          engine,
          redis,
          alias: config.SEARCH_ALIAS,
          definition: searchIndexDefinition({ replicas: config.SEARCH_REPLICAS }),
          log: indexerLog,
          consumer: config.SEARCH_CONSUMER_NAME,
          batchSize: config.SEARCH_INDEXER_BATCH,
          tombstonePurge: tombstonePurgeSettings(config),
        });
        indexerLog.info(
          { consumer: config.SEARCH_CONSUMER_NAME, alias: config.SEARCH_ALIAS },
          'search indexer running',
        );
        return indexer;
      } catch (error) {
        if (attempt === 1 || attempt % 15 === 0)
          indexerLog.warn({ err: error, attempt }, 'search indexer cannot start yet; retrying');
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          retryTimer = setTimeout(resolve, RETRY_MS);
        });
      }
    }
  })();
  started.catch(() => undefined);

  return {
    started,
    stop: async () => {
      stopped = true;
      clearTimeout(retryTimer);
      wakeUp?.();
      const indexer = await started.catch(() => null);
      await indexer?.stop();
      redis.disconnect();
      await engine.close();
    },
  };
}
