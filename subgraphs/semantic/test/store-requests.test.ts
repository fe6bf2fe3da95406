import { callAsGateway, scrapeStoreRequests } from '@aetherial/subgraph-kit';
import type { WeaviateClient } from 'weaviate-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultEmbedder } from '../src/embedder.js';
import { createEventHandler } from '../src/indexer.js';
import { PostIndex } from '../src/store.js';
import { createSubgraph, type RunningSemanticSubgraph } from '../src/subgraph.js';
import { fixturePosts } from './fixtures.js';
import {
  connectTestWeaviate,
  countingClient,
  dataOf,
  dropTestIndex,
  postEvent,
  silentLog,
  testAlias,
  testConfig,
} from './helpers.js';

const alias = testAlias('requests');
let weaviate: WeaviateClient;
let counted: ReturnType<typeof countingClient>;
let subgraph: RunningSemanticSubgraph;

beforeAll(async () => {
  weaviate = await connectTestWeaviate();
  // The test's own count, by a proxy around the client, next to the one /metrics shows.
  counted = countingClient(weaviate);
  subgraph = await createSubgraph(testConfig({ SEMANTIC_COLLECTION: alias }), { client: counted.client });
  const handle = createEventHandler(new PostIndex(weaviate, alias), defaultEmbedder(), silentLog);
  await handle(fixturePosts.map((post) => postEvent('PostCreated', post.id, 1, post)));
});

afterAll(async () => {
  await subgraph?.stop();
  await dropTestIndex(weaviate, alias);
  await weaviate?.close();
});

/** What one GraphQL request moved `store_requests_total{store="weaviate"}` by, and the proxy's count. */
async function measure<T>(query: string, variables: Record<string, unknown>) {
  const before = await scrapeStoreRequests(subgraph.url, 'weaviate');
  counted.reset();
  const result = await callAsGateway<T>(subgraph, query, variables);
  const queries = [...counted.calls.values()].reduce((sum, n) => sum + n, 0);
  const after = await scrapeStoreRequests(subgraph.url, 'weaviate');
  return { data: dataOf(result), queries, trips: after - before };
}

describe('store_requests_total{store="weaviate"} on /metrics', () => {
  it('moves by the one nearVector query of a semantic search', async () => {
    const { data, queries, trips } = await measure<{ semanticSearch: unknown[] }>(
      `query ($text: String!) { semanticSearch(text: $text, first: 3) { score post { id } } }`,
      { text: 'wild yeast jar stopped growing' },
    );
    expect(data.semanticSearch).toHaveLength(3);
    expect(queries).toBe(1);
    expect(trips).toBe(1);
  });

  it('moves by one vector fetch plus one nearVector per post for related posts', async () => {
    const { data, queries, trips } = await measure<{ _entities: { related: unknown[] }[] }>(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Post { id related(first: 2) { score post { id } } } } }`,
      { representations: fixturePosts.slice(0, 3).map((post) => ({ __typename: 'Post', id: post.id })) },
    );
    expect(data._entities.map((entity) => entity.related.length)).toEqual([2, 2, 2]);
    // As search.test.ts establishes: the vectors of every post in one query, then one search each.
    expect(counted.calls.get('fetchObjects')).toBe(1);
    expect(queries).toBe(4);
    expect(trips).toBe(4);
  });
});
