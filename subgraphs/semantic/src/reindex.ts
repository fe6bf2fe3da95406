import { connectEventsRedis, eventsStream } from '@aetherial/events';
import { createLogger, redisUrls } from '@aetherial/subgraph-kit';
import { MongoClient } from 'mongodb';
import { loadSemanticConfig } from './config.js';
import { aliasTarget, collectionModelTag, modelTag } from './collection-schema.js';
import { defaultEmbedder } from './embedder.js';
import { rebuildIndex } from './rebuild.js';
import { SOURCE_POSTS_COLLECTION, type SourcePostDocument } from './source-posts.js';
import { connectWeaviate } from './weaviate.js';

/**
 * `npm run reindex -w @aetherial/semantic`: rebuilds the semantic index from MongoDB into a new
 * Weaviate collection and switches the alias to it. Safe to run while the indexer is running.
 * `--keep-previous` keeps the old collection (to compare, or to switch back by hand);
 * `--if-model-changed` rebuilds only when the alias holds another embedder's vectors.
 */
async function main(): Promise<void> {
  const config = loadSemanticConfig();
  const log = createLogger('semantic-reindex', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const mongo = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 10_000 });
  const redis = connectEventsRedis(redisUrls(config).events, { maxRetriesPerRequest: 3 });
  const client = await connectWeaviate(config);
  try {
    const embedder = defaultEmbedder();
    if (process.argv.includes('--if-model-changed')) {
      // `npm start` after a change of SEMANTIC_EMBEDDER (or of its default): rebuild only when the
      // alias holds another model's vectors; until the switch the old collection keeps serving.
      const current = await aliasTarget(client, config.SEMANTIC_COLLECTION);
      const tag = current ? collectionModelTag(config.SEMANTIC_COLLECTION, current) : null;
      if (tag === null || tag === modelTag(embedder.name)) {
        console.log(
          current
            ? `semantic index ${current} already holds ${embedder.name} vectors`
            : 'no semantic index yet: nothing to rebuild',
        );
        return;
      }
      console.log(`semantic index ${current} holds other vectors than ${embedder.name}: reindexing`);
    }
    await mongo.connect();
    const started = Date.now();
    const result = await rebuildIndex({
      client,
      alias: config.SEMANTIC_COLLECTION,
      posts: mongo.db().collection<SourcePostDocument>(SOURCE_POSTS_COLLECTION),
      embedder,
      log,
      redis,
      stream: eventsStream(),
      keepPrevious: process.argv.includes('--keep-previous'),
      progress: (message) => console.log(message),
    });
    console.log(
      `reindex done in ${((Date.now() - started) / 1000).toFixed(1)}s: ${result.indexed} posts in ${result.collection}` +
        ` behind alias ${config.SEMANTIC_COLLECTION}`,
    );
  } finally {
    await client.close();
    await mongo.close();
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(`reindex failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
