import {
  gatewayTrust,
  createLogger,
  createMetrics,
  loadTypeDefs,
  startSubgraph,
  storeRequestCounter,
  type RunningSubgraph,
} from '@aetherial/subgraph-kit';
import type { WeaviateClient } from 'weaviate-client';
import type { SemanticConfig } from './config.js';
import type { SemanticContext } from './context.js';
import { defaultEmbedder, type Embedder } from './embedder.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';
import { SemanticSearch } from './search.js';
import { PostIndex } from './store.js';
import { connectWeaviate, isWeaviateUnreachable } from './weaviate.js';

export interface SemanticSubgraphOptions {
  /** Test hook: a client whose calls are counted at the driver boundary. */
  client?: WeaviateClient;
  embedder?: Embedder;
}

export interface RunningSemanticSubgraph extends RunningSubgraph {
  index: PostIndex;
  client: WeaviateClient;
}

/** The semantic subgraph over Weaviate; shared by `src/index.ts` and the tests (port 0 there). */
export async function createSubgraph(
  config: SemanticConfig,
  options: SemanticSubgraphOptions = {},
): Promise<RunningSemanticSubgraph> {
  const trust = gatewayTrust('semantic', config, config.SEMANTIC_ALLOW_UNSIGNED); // refuses before any store
  const log = createLogger('semantic', config.LOG_LEVEL);
  const client = options.client ?? (await connectWeaviate(config));
  const metrics = createMetrics('semantic');
  const index = new PostIndex(client, config.SEMANTIC_COLLECTION, storeRequestCounter(metrics, 'weaviate'));
  const embedder = options.embedder ?? defaultEmbedder();
  const search = new SemanticSearch(index, embedder);
  // Load the model before answering: a first query must not pay seconds of model loading.
  await embedder.embed(['warm up']);
  try {
    await index.ensure(embedder.name);
  } catch (error) {
    // Start anyway: /ready reports Weaviate as down and queries answer UNAVAILABLE until it is back.
    if (!isWeaviateUnreachable(error)) throw error;
    log.warn({ err: error }, 'Weaviate is not reachable; starting without it');
  }
  const running = await startSubgraph<SemanticContext>({
    name: 'semantic',
    typeDefs: loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
    // Related posts change with any post written, not only this one.
    cacheTags: { broadLists: ['Post.related'] },
    resolvers,
    port: config.SEMANTIC_PORT,
    host: config.SEMANTIC_HOST,
    trust,
    log,
    metrics,
    context: (base) => ({ ...base, search, loaders: createLoaders(index) }),
    ready: async () => {
      if (!(await index.isReady())) throw new Error(`Weaviate at ${config.WEAVIATE_URL} is not ready`);
    },
    close: async () => {
      if (!options.client) await client.close();
    },
  });
  return { ...running, index, client };
}
