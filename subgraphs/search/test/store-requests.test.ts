import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callAsGateway, scrapeStoreRequests } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents } from '../src/indexer.js';
import { searchIndexDefinition } from '../src/mappings.js';
import { createSubgraph } from '../src/subgraph.js';
import {
  cleanUp,
  domainEvent,
  postPayload,
  productPayload,
  testConfig,
  testEngine,
  testNamespace,
  testRedis,
} from './helpers.js';

/**
 * The subgraph talks to OpenSearch through a proxy that counts the HTTP requests reaching it: the
 * count /metrics shows must be that one, taken outside the client.
 */
const upstream = new URL(process.env.SEARCH_URL ?? 'http://127.0.0.1:9200');
const namespace = testNamespace('store-requests');
const engine = testEngine(namespace);
const redis = testRedis();
let proxy: Server;
let proxied = 0;
let subgraph: Awaited<ReturnType<typeof createSubgraph>>;

beforeAll(async () => {
  proxy = createServer((incoming, outgoing) => {
    proxied += 1;
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  await applyEvents(engine, namespace.alias, searchIndexDefinition(), [
    domainEvent(
      'PostCreated',
      'p-run',
      1,
      postPayload('p-run', { title: 'Running shoes for the marathon', tags: ['running'] }),
    ),
    domainEvent('ProductCreated', 'pr-socks', 1, productPayload('pr-socks', 'SOCK-1', 'Running socks', 999)),
  ]);
  await engine.refresh(namespace.alias);
  subgraph = await createSubgraph(testConfig(namespace, { SEARCH_URL: `http://127.0.0.1:${port}` }));
});

afterAll(async () => {
  await subgraph?.stop();
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
  await new Promise((resolve) => proxy.close(resolve));
});

/** What one GraphQL request moved `store_requests_total{store="opensearch"}` by, and the proxy's count. */
async function measure(query: string, variables: Record<string, unknown> = {}) {
  const before = await scrapeStoreRequests(subgraph.url, 'opensearch');
  const proxiedBefore = proxied;
  const result = await callAsGateway(subgraph, query, variables);
  const requests = proxied - proxiedBefore;
  const after = await scrapeStoreRequests(subgraph.url, 'opensearch');
  expect(result.errors).toBeUndefined();
  return { data: result.data, requests, trips: after - before };
}

describe('store_requests_total{store="opensearch"} on /metrics', () => {
  it('moves by the one request that answers hits and facets', async () => {
    const { data, requests, trips } = await measure(
      `query { search(query: "running", first: 5) { totalCount edges { node { item { __typename } } }
        facets { types { value count } tags { value count } } } }`,
    );
    expect(data).toMatchObject({ search: { totalCount: 2 } });
    expect(requests).toBe(1);
    expect(trips).toBe(1);
  });

  it('moves by two for search and suggest in one GraphQL request', async () => {
    const { data, requests, trips } = await measure(
      `query { search(query: "socks") { totalCount } suggest(prefix: "run") { text } }`,
    );
    expect(data).toMatchObject({ search: { totalCount: 1 } });
    expect(requests).toBe(2);
    expect(trips).toBe(2);
  });
});
