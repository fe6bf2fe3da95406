/**
 * `npm run reindex [-- --force] [-- --from-index]`: rebuilds the search index from PostgreSQL
 * (users, products) and MongoDB (posts) without downtime; see rebuild.ts for how events during the
 * rebuild are kept. `--from-index` copies the live index's documents instead of reading the
 * sources of truth: for a change of analysis settings only (synonyms.txt), not of the mapping.
 */
import { createLogger } from '@aetherial/subgraph-kit';
import { loadSearchConfig } from './config.js';
import { createEngine } from './engine/select.js';
import { searchIndexDefinition } from './mappings.js';
import { rebuildIndex } from './rebuild.js';
import { mongoPostsSource } from './sources/mongo.js';
import { liveIndexSource } from './sources/live-index.js';
import { postgresSources } from './sources/postgres.js';

const config = loadSearchConfig();
const log = createLogger('search-reindex', config.LOG_LEVEL);
const engine = createEngine(config);
const sources = process.argv.includes('--from-index')
  ? [liveIndexSource(engine, config.SEARCH_ALIAS)]
  : [...postgresSources(config.DATABASE_URL), mongoPostsSource(config.MONGODB_URL)];
let lastPrinted = 0;

try {
  const result = await rebuildIndex({
    engine,
    alias: config.SEARCH_ALIAS,
    definition: searchIndexDefinition({ replicas: config.SEARCH_REPLICAS }),
    sources,
    log,
    force: process.argv.includes('--force'),
    onPage: ({ source, documents }) => {
      if (Date.now() - lastPrinted < 1000) return;
      lastPrinted = Date.now();
      log.info({ source, documents }, 'reindex progress');
    },
  });
  const total = Object.values(result.documents).reduce((sum, count) => sum + count, 0);
  log.info({ total, perSecond: Math.round((total * 1000) / Math.max(1, result.ms)) }, 'reindex finished');
} catch (error) {
  log.error({ err: error }, 'reindex failed; the live index is unchanged');
  process.exitCode = 1;
} finally {
  await Promise.all(sources.map((source) => source.close()));
  await engine.close();
}
