import type { StoreRequestCounter } from '@aetherial/subgraph-kit';
import { Client, errors, type API } from '@opensearch-project/opensearch';
import {
  bulkLines,
  bulkResults,
  EngineUnavailableError,
  guardedCalls,
  isNotFound,
  responseError,
  searchResult,
  type AliasAction,
  type BulkItemResult,
  type BulkOperation,
  type EngineSearchResult,
  type IndexDefinition,
  type SearchEngine,
  type StoredDocument,
} from './engine.js';

export interface EngineConnection {
  url: string;
  username?: string;
  password?: string;
  apiKey?: string;
  requestTimeoutMs: number;
  /**
   * Counts every HTTP request the client sends, retries included (`store_requests_total`), from
   * the client's own 'request' event.
   */
  requests?: StoreRequestCounter;
}

/** Client errors -> the engine's two error kinds, so callers never see a client's classes. */
function translate(error: unknown): Error {
  if (error instanceof errors.ResponseError)
    return responseError('opensearch', error.statusCode ?? 500, error.body);
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  ) {
    return new EngineUnavailableError('opensearch', error.message);
  }
  return error instanceof Error ? error : new Error(String(error));
}

const call = guardedCalls(translate);

/** The engine on `@opensearch-project/opensearch` (verified against OpenSearch 2.19 here). */
export function createOpenSearchEngine(connection: EngineConnection): SearchEngine {
  const client = new Client({
    node: connection.url,
    requestTimeout: connection.requestTimeoutMs,
    // One retry on another node/connection; the indexer and the reindex retry on their own.
    maxRetries: 1,
    ...(connection.username
      ? { auth: { username: connection.username, password: connection.password ?? '' } }
      : {}),
  });
  const { requests } = connection;
  // Emitted as each attempt goes out; with an error only when the body could not be serialized.
  if (requests) client.on('request', (error) => (error ? undefined : requests.inc()));

  return {
    kind: 'opensearch',

    async ping() {
      await call(() => client.info());
    },

    async createIndex(name: string, definition: IndexDefinition, aliases: string[] = []) {
      const body = {
        settings: definition.settings,
        mappings: definition.mappings,
        aliases: Object.fromEntries(aliases.map((alias) => [alias, {}])),
      } as API.Indices_Create_RequestBody;
      await call(() => client.indices.create({ index: name, body }));
    },

    async deleteIndex(name: string) {
      try {
        await call(() => client.indices.delete({ index: name }));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },

    async aliasTargets(alias: string) {
      try {
        const response = await call(() => client.indices.getAlias({ name: alias }));
        return Object.keys(response.body as Record<string, unknown>).sort();
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
    },

    async updateAliases(actions: AliasAction[]) {
      const body = { actions } as API.Indices_UpdateAliases_RequestBody;
      await call(() => client.indices.updateAliases({ body }));
    },

    async mappingMeta(index: string) {
      const response = await call(() => client.indices.getMapping({ index }));
      const mappings = Object.values(
        response.body as Record<string, { mappings?: { _meta?: Record<string, unknown> } }>,
      );
      return mappings[0]?.mappings?._meta ?? {};
    },

    async putMapping(index: string, properties: Record<string, unknown>, meta: Record<string, unknown>) {
      const body = { properties, _meta: meta } as API.Indices_PutMapping_RequestBody;
      await call(() => client.indices.putMapping({ index, body }));
    },

    async deleteByQuery(index: string, query: Record<string, unknown>) {
      // A delete-by-query sees only refreshed writes (a search-idle shard may not have refreshed).
      await call(() => client.indices.refresh({ index }));
      const response = await call(() =>
        client.deleteByQuery({
          index,
          refresh: true,
          conflicts: 'proceed',
          body: { query } as API.DeleteByQuery_RequestBody,
        }),
      );
      return Number((response.body as { deleted?: number }).deleted ?? 0);
    },

    async bulk(operations: BulkOperation[], options: { refresh?: boolean } = {}): Promise<BulkItemResult[]> {
      if (operations.length === 0) return [];
      const response = await call(() =>
        client.bulk({ body: bulkLines(operations), ...(options.refresh ? { refresh: true } : {}) }),
      );
      return bulkResults(response.body.items, operations);
    },

    async get(index: string, id: string): Promise<StoredDocument | null> {
      try {
        const response = await call(() => client.get({ index, id }));
        const body = response.body as {
          _index: string;
          _version?: number;
          _source?: Record<string, unknown>;
        };
        return { index: body._index, version: body._version ?? 0, source: body._source ?? {} };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async search<TSource>(
      index: string,
      body: Record<string, unknown>,
    ): Promise<EngineSearchResult<TSource>> {
      const response = await call(() => client.search({ index, body: body as API.Search_RequestBody }));
      return searchResult<TSource>(response.body);
    },

    async count(index: string) {
      const response = await call(() => client.count({ index }));
      return response.body.count;
    },

    async refresh(index: string) {
      await call(() => client.indices.refresh({ index }));
    },

    async analyze(index: string, analyzer: string, text: string) {
      const response = await call(() => client.indices.analyze({ index, body: { analyzer, text } }));
      return (response.body.tokens ?? []).map((token) => token.token);
    },

    async close() {
      await client.close();
    },
  };
}
