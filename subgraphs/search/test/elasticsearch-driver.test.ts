import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex, swapAlias } from '../src/aliases.js';
import { createElasticsearchEngine } from '../src/engine/elasticsearch.js';
import { EngineUnavailableError, type SearchEngine } from '../src/engine/engine.js';
import { applyEvents } from '../src/indexer.js';
import { MAPPING_VERSION, searchIndexDefinition, versionedIndexName } from '../src/mappings.js';
import { createSearchService } from '../src/service.js';
import {
  cleanUp,
  domainEvent,
  postPayload,
  productPayload,
  testLog,
  testNamespace,
  testRedis,
} from './helpers.js';

/**
 * The Elasticsearch driver cannot meet a real Elasticsearch here. This runs it against OpenSearch
 * through a proxy that does what the client insists on (vendor media types in, the
 * `x-elastic-product` header out). It checks that the driver's calls become the same REST requests
 * the OpenSearch driver makes, with the same outcomes; it says nothing about Elasticsearch itself.
 */
const upstream = new URL(process.env.SEARCH_URL ?? 'http://127.0.0.1:9200');
const namespace = testNamespace('es-driver');
const redis = testRedis();
const definition = searchIndexDefinition();
let proxy: Server;
let engine: SearchEngine;
/** Requests that reached the proxy, and those the driver counted (store_requests_total's hook). */
let proxied = 0;
let counted = 0;

function plainMediaTypes(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const rewrite = (value: string | undefined) =>
    value
      ?.replace(/application\/vnd\.elasticsearch\+x-ndjson[^,]*/g, 'application/x-ndjson')
      .replace(/application\/vnd\.elasticsearch\+json[^,]*/g, 'application/json');
  const rewritten: IncomingHttpHeaders = { ...headers, host: upstream.host };
  for (const name of ['content-type', 'accept'] as const) {
    if (headers[name] !== undefined) rewritten[name] = rewrite(headers[name]);
  }
  return rewritten;
}

beforeAll(async () => {
  proxy = createServer((incoming, outgoing) => {
    proxied += 1;
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: plainMediaTypes(incoming.headers),
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, {
          ...response.headers,
          'x-elastic-product': 'Elasticsearch',
        });
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  engine = createElasticsearchEngine({
    url: `http://127.0.0.1:${port}`,
    requestTimeoutMs: 10_000,
    requests: { inc: () => void (counted += 1) },
  });
});

afterAll(async () => {
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
  await new Promise((resolve) => proxy.close(resolve));
});

describe('Elasticsearch driver (through an OpenSearch proxy)', () => {
  it('creates the index behind the alias and reads its mapping', async () => {
    const [index] = await ensureIndex(engine, namespace.alias, definition);
    expect(await engine.aliasTargets(namespace.alias)).toEqual([index]);
    expect(await engine.mappingMeta(index!)).toMatchObject({ mappingVersion: MAPPING_VERSION });
    expect(await engine.analyze(index!, 'english', 'running')).toEqual(['run']);
  });

  it('bulk-writes with external versions: stale writes are refused', async () => {
    const product = (version: number, title: string) =>
      domainEvent('ProductUpdated', 'es-1', version, productPayload('es-1', 'ES-1', title, 1500));
    await applyEvents(engine, namespace.alias, definition, [product(2, 'Trail shoe v2')]);
    const { results } = await applyEvents(engine, namespace.alias, definition, [product(1, 'Trail shoe v1')]);
    expect(results.map((result) => result.outcome)).toEqual(['stale']);
    expect(await engine.get(namespace.alias, 'Product:es-1')).toMatchObject({
      version: 2,
      source: { title: 'Trail shoe v2' },
    });
    await applyEvents(engine, namespace.alias, definition, [
      domainEvent(
        'PostCreated',
        'es-p',
        1,
        postPayload('es-p', { title: 'Trail running notes', tags: ['trail'] }),
      ),
    ]);
    await engine.refresh(namespace.alias);
    expect(await engine.count(namespace.alias)).toBe(2);
  });

  it('answers search (facets, highlights, cursor) and suggest with the shared query bodies', async () => {
    const service = createSearchService(engine, namespace.alias);
    const page = await service.search({ query: 'trial', first: 1 }, testLog);
    expect(page.totalCount).toBe(2);
    expect(page.facets.types).toEqual([
      { value: 'POST', count: 1 },
      { value: 'PRODUCT', count: 1 },
      { value: 'USER', count: 0 },
    ]);
    expect(page.edges[0]?.node.highlights[0]?.snippets[0]).toMatch(/<em>Trail<\/em>/);
    const next = await service.search({ query: 'trial', first: 1, after: page.pageInfo.endCursor }, testLog);
    expect(next.edges.map((edge) => edge.node.item.id)).not.toEqual(
      page.edges.map((edge) => edge.node.item.id),
    );
    expect(next.pageInfo.hasNextPage).toBe(false);
    expect(
      (await service.suggest({ prefix: 'trail ru' }, testLog)).map((suggestion) => suggestion.id),
    ).toEqual(['es-p']);
    // The suggest section of the answer reaches the shared reader through this client too.
    // "nxtxs" is two edits from "notes": beyond a five-letter word's typo tolerance (one).
    expect(await service.search({ query: 'nxtxs' }, testLog)).toMatchObject({
      totalCount: 0,
      didYouMean: 'notes',
    });
  });

  it('swaps the alias atomically', async () => {
    const [old] = await engine.aliasTargets(namespace.alias);
    const next = versionedIndexName(namespace.alias, Date.now() + 1);
    await engine.createIndex(next, definition);
    expect(await swapAlias(engine, namespace.alias, next)).toEqual([old]);
    expect(await engine.aliasTargets(namespace.alias)).toEqual([next]);
  });

  it('counts each request it sent, once, at the client (store_requests_total)', () => {
    expect(proxied).toBeGreaterThan(10);
    expect(counted).toBe(proxied);
  });

  it('reports an engine that is down as unavailable', async () => {
    const down = createElasticsearchEngine({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2000 });
    await expect(down.ping()).rejects.toBeInstanceOf(EngineUnavailableError);
    await down.close();
  });
});
