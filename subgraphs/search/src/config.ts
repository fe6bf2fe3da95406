import { hostname } from 'node:os';
import { envFlag, loadConfig, subgraphConfig } from '@aetherial/subgraph-kit';
import { z } from 'zod';

/** SEARCH_HOST, SEARCH_PORT (4004), SEARCH_ALLOW_UNSIGNED and the kit's settings, plus: */
export const searchConfigSchema = subgraphConfig('search', 4004, {
  SEARCH_ENGINE: z.enum(['opensearch', 'elasticsearch']).default('opensearch'),
  SEARCH_URL: z.string().url().default('http://127.0.0.1:9200'),
  SEARCH_USERNAME: z.string().optional(),
  SEARCH_PASSWORD: z.string().optional(),
  /** Elasticsearch API key (ignored by OpenSearch). */
  SEARCH_API_KEY: z.string().optional(),
  SEARCH_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** The alias clients read; the concrete index behind it is `<alias>-v<timestamp>`. */
  SEARCH_ALIAS: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, "-" and "_" (an index name)')
    .default('aetherial-search'),
  /** 0 on a single dev node (green health); 1+ in production. */
  SEARCH_REPLICAS: z.coerce.number().int().min(0).default(0),
  /** Run the event indexer in the subgraph process (one deployable) or only via `npm run indexer`. */
  SEARCH_INDEXER_ENABLED: envFlag(true),
  SEARCH_INDEXER_BATCH: z.coerce.number().int().min(1).max(5000).default(200),
  /** A restarted indexer with the same name resumes its own unacknowledged events at once. */
  SEARCH_CONSUMER_NAME: z.string().min(1).default(`search-${hostname()}`),
  /** Sources of truth, read by `npm run reindex` only. */
  DATABASE_URL: z.string().default('postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial'),
  MONGODB_URL: z.string().default('mongodb://127.0.0.1:27017/aetherial'),
});

export type SearchConfig = z.infer<typeof searchConfigSchema>;

export const loadSearchConfig = (env: NodeJS.ProcessEnv = process.env): SearchConfig =>
  loadConfig(searchConfigSchema, env);
