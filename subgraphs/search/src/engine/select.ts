import type { StoreRequestCounter } from '@aetherial/subgraph-kit';
import type { SearchConfig } from '../config.js';
import { createElasticsearchEngine } from './elasticsearch.js';
import type { SearchEngine } from './engine.js';
import { createOpenSearchEngine, type EngineConnection } from './opensearch.js';

/**
 * The engine chosen by SEARCH_ENGINE; both take the same definitions and query bodies. `requests`
 * counts its HTTP requests (`store_requests_total`).
 */
export function createEngine(config: SearchConfig, requests?: StoreRequestCounter): SearchEngine {
  const connection: EngineConnection = {
    url: config.SEARCH_URL,
    requestTimeoutMs: config.SEARCH_REQUEST_TIMEOUT_MS,
    ...(requests ? { requests } : {}),
    ...(config.SEARCH_USERNAME ? { username: config.SEARCH_USERNAME } : {}),
    ...(config.SEARCH_PASSWORD ? { password: config.SEARCH_PASSWORD } : {}),
    ...(config.SEARCH_API_KEY ? { apiKey: config.SEARCH_API_KEY } : {}),
  };
  return config.SEARCH_ENGINE === 'elasticsearch'
    ? createElasticsearchEngine(connection)
    : createOpenSearchEngine(connection);
}
