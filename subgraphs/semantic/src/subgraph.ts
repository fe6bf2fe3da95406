import {
  defineSubgraph,
  registerConsumerLag,
  storeRequestCounter,
  type Logger,
} from '@aetherial/subgraph-kit';
import type { WeaviateClient } from 'weaviate-client';
import type { SemanticConfig } from './config.js';
import type { SemanticContext } from './context.js';
import { defaultEmbedder, type Embedder } from './embedder.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';
import { startConfiguredIndexer, type RunningIndexer } from './runtime.js';
import { SemanticSearch } from './search.js';
import { PostIndex } from './store.js';
import { connectWeaviate, isWeaviateUnreachable } from './weaviate.js';

export interface SemanticSubgraphOptions {
  /** Test hook: a client whose calls are counted at the driver boundary. */
  client?: WeaviateClient;
  embedder?: Embedder;
}

const RETRY_MS = 5000;

/**
 * The indexer needs Weaviate and Redis; it keeps trying in the background so the subgraph serves
 * (and reports not ready) while a store is still starting.
 */
function startIndexerInBackground(
  config: SemanticConfig,
  client: WeaviateClient,
  embedder: Embedder,
  log: Logger,
  onStarted: (indexer: RunningIndexer) => void,
) {
  let indexer: RunningIndexer | undefined;
  let stopping = false;
  const starting = (async () => {
    while (!stopping && !indexer) {
      try {
        indexer = await startConfiguredIndexer(config, client, embedder, log);
        log.info({ group: config.SEMANTIC_INDEXER_GROUP }, 'semantic indexer started');
        onStarted(indexer);
      } catch (error) {
        log.warn({ err: error }, `semantic indexer could not start; retrying in ${RETRY_MS / 1000}s`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await starting;
      await indexer?.stop();
    },
  };
}

/** The semantic subgraph over Weaviate, and (SEMANTIC_RUN_INDEXER) the indexer of post events. */
export const semanticSubgraph = defineSubgraph({
  name: 'semantic',
  schema: new URL('../schema.graphql', import.meta.url),
  resolvers,
  // Related posts change with any post written, not only this one.
  cacheTags: { broadLists: ['Post.related'] },
  /** Weaviate (its collection made at start when it answers) and the sentence encoder, warmed up. */
  async stores(config: SemanticConfig, { log, metrics }, options: SemanticSubgraphOptions) {
    const client = options.client ?? (await connectWeaviate(config));
    const index = new PostIndex(client, config.SEMANTIC_COLLECTION, storeRequestCounter(metrics, 'weaviate'));
    const embedder = options.embedder ?? defaultEmbedder();
    // Load the model before answering: a first query must not pay seconds of model loading.
    await embedder.embed(['warm up']);
    try {
      await index.ensure(embedder.name);
    } catch (error) {
      // Start anyway: /ready reports Weaviate as down and queries answer UNAVAILABLE until it is back.
      if (!isWeaviateUnreachable(error)) throw error;
      log.warn({ err: error }, 'Weaviate is not reachable; starting without it');
    }
    return {
      client,
      index,
      embedder,
      search: new SemanticSearch(index, embedder),
      ready: async () => {
        if (!(await index.isReady())) throw new Error(`Weaviate at ${config.WEAVIATE_URL} is not ready`);
      },
      close: async () => {
        if (!options.client) await client.close();
      },
    };
  },
  /** The event indexer (SEMANTIC_RUN_INDEXER; `npm start` runs it as a process of its own). */
  workers: ({ client, embedder }, config, { log, metrics }) => ({
    indexer: config.SEMANTIC_RUN_INDEXER
      ? startIndexerInBackground(config, client, embedder, log, (indexer) =>
          registerConsumerLag(metrics.registry, config.SEMANTIC_INDEXER_GROUP, indexer.consumer.lag),
        )
      : undefined,
  }),
  context: (base, { search, index }): SemanticContext => ({ ...base, search, loaders: createLoaders(index) }),
});

/** Starts the semantic subgraph (src/index.ts, and the tests on port 0). */
export const createSubgraph = semanticSubgraph.start;

export type RunningSemanticSubgraph = Awaited<ReturnType<typeof createSubgraph>>;
