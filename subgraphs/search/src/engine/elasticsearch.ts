/**
 * The engine on `@elastic/elasticsearch` 8.19 (the last line that runs on Node 20; it talks to
 * Elasticsearch 8 and 9). Same index definition, bulk lines and query bodies as OpenSearch.
 *
 * NOT RUN AGAINST ELASTICSEARCH HERE: the client refuses any server that is not Elasticsearch
 * (it checks the `x-elastic-product` header and sends `compatible-with=8` media types), and no
 * Elasticsearch node can be assembled on this machine. It type-checks against the client and is
 * exercised in test/elasticsearch-driver.test.ts through a proxy that makes OpenSearch look like
 * Elasticsearch to the client, which checks call shapes, not Elasticsearch's own behaviour.
 */
import { Client, errors, type estypes } from '@elastic/elasticsearch';
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
import type { EngineConnection } from './opensearch.js';

function translate(error: unknown): Error {
  if (error instanceof errors.ResponseError)
    return responseError('elasticsearch', error.statusCode ?? 500, error.body);
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.ProductNotSupportedError
  ) {
    return new EngineUnavailableError('elasticsearch', error.message);
  }
  return error instanceof Error ? error : new Error(String(error));
}

const call = guardedCalls(translate);

export function createElasticsearchEngine(connection: EngineConnection): SearchEngine {
  const auth = connection.apiKey
    ? { auth: { apiKey: connection.apiKey } }
    : connection.username
      ? { auth: { username: connection.username, password: connection.password ?? '' } }
      : {};
  const client = new Client({
    node: connection.url,
    requestTimeout: connection.requestTimeoutMs,
    maxRetries: 1,
    ...auth,
  });
  const { requests } = connection;
  // Emitted as each attempt goes out; with an error only when the body could not be prepared.
  if (requests) client.diagnostic.on('request', (error) => (error ? undefined : requests.inc()));

  return {
    kind: 'elasticsearch',

    async ping() {
      await call(() => client.info());
    },

    async createIndex(name: string, definition: IndexDefinition, aliases: string[] = []) {
      await call(() =>
        client.indices.create({
          index: name,
          settings: definition.settings as estypes.IndicesIndexSettings,
          mappings: definition.mappings as estypes.MappingTypeMapping,
          aliases: Object.fromEntries(aliases.map((alias) => [alias, {}])),
        }),
      );
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
        return Object.keys(await call(() => client.indices.getAlias({ name: alias }))).sort();
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
    },

    async updateAliases(actions: AliasAction[]) {
      await call(() =>
        client.indices.updateAliases({ actions: actions as estypes.IndicesUpdateAliasesAction[] }),
      );
    },

    async mappingMeta(index: string) {
      const response = await call(() => client.indices.getMapping({ index }));
      return Object.values(response)[0]?.mappings?._meta ?? {};
    },

    async putMapping(index: string, properties: Record<string, unknown>, meta: Record<string, unknown>) {
      await call(() =>
        client.indices.putMapping({
          index,
          properties: properties as Record<string, estypes.MappingProperty>,
          _meta: meta as estypes.Metadata,
        }),
      );
    },

    async deleteByQuery(index: string, query: Record<string, unknown>) {
      // A delete-by-query sees only refreshed writes (a search-idle shard may not have refreshed).
      await call(() => client.indices.refresh({ index }));
      const response = await call(() =>
        client.deleteByQuery({
          index,
          refresh: true,
          conflicts: 'proceed',
          query: query as estypes.QueryDslQueryContainer,
        }),
      );
      return Number(response.deleted ?? 0);
    },

    async bulk(operations: BulkOperation[], options: { refresh?: boolean } = {}): Promise<BulkItemResult[]> {
      if (operations.length === 0) return [];
      const response = await call(() =>
        client.bulk({
          operations: bulkLines(operations) as estypes.BulkOperationContainer[],
          ...(options.refresh ? { refresh: true } : {}),
        }),
      );
      return bulkResults(response.items, operations);
    },

    async get(index: string, id: string): Promise<StoredDocument | null> {
      try {
        const response = await call(() => client.get<Record<string, unknown>>({ index, id }));
        return { index: response._index, version: response._version ?? 0, source: response._source ?? {} };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async search<TSource>(
      index: string,
      body: Record<string, unknown>,
    ): Promise<EngineSearchResult<TSource>> {
      // The 8.x client sorts top-level keys into body and query string by name (9.x requires it).
      const response = await call(() =>
        client.search<TSource>({ index, ...(body as Omit<estypes.SearchRequest, 'index'>) }),
      );
      return searchResult<TSource>(response);
    },

    async count(index: string) {
      return (await call(() => client.count({ index }))).count;
    },

    async refresh(index: string) {
      await call(() => client.indices.refresh({ index }));
    },

    async analyze(index: string, analyzer: string, text: string) {
      const response = await call(() => client.indices.analyze({ index, analyzer, text }));
      return (response.tokens ?? []).map((token) => token.token);
    },

    async close() {
      await client.close();
    },
  };
}
