import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphDataSource } from '../src/datasource.js';
import { createGatewayMetrics } from '../src/metrics.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, post, secret, testConfig, tokenFor, writeSupergraph } from './helpers.js';

let fixture: Fixture;
let redis: TestRedis;
let supergraphPath: string;
const gateways: RunningGateway[] = [];

async function gatewayWith(overrides: Record<string, string> = {}): Promise<RunningGateway> {
  const gateway = await startGateway(
    testConfig({
      REDIS_URL: redis.url,
      SUPERGRAPH_PATH: supergraphPath,
      GATEWAY_CACHE: 'false',
      ...overrides,
    }),
  );
  gateways.push(gateway);
  return gateway;
}

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs(secret);
  supergraphPath = writeSupergraph(composeFixture(fixture));
});

afterEach(() => {
  fixture.slowMs.value = 0;
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await fixture?.stop();
  await redis?.stop();
});

/** Sends `count` copies of a request at once; returns the answers and the catalog calls they cost. */
async function concurrently(
  url: string,
  count: number,
  body: (i: number) => unknown,
  token?: (i: number) => string,
) {
  const before = fixture.calls.catalog;
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      post(url, body(i), token ? { authorization: `Bearer ${token(i)}` } : {}),
    ),
  );
  return { answers, calls: fixture.calls.catalog - before };
}

describe('identical queries in flight at once', () => {
  it('share one subgraph call, and every client gets the whole answer', async () => {
    const gateway = await gatewayWith();
    fixture.slowMs.value = 300;
    const { answers, calls } = await concurrently(gateway.url, 6, () => ({
      query: '{ slow products { id name } }',
    }));
    expect(calls).toBe(1);
    for (const answer of answers)
      expect(answer.body).toEqual({
        data: {
          slow: 'finally',
          products: [
            { id: 'p1', name: 'Lamp' },
            { id: 'p2', name: 'Desk' },
          ],
        },
        // slow 1 + products 1 + 20 (no "first": the default list size) × (id 1 + name 1)
        extensions: { cost: { estimated: 42 } },
      });
    const metrics = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/^gateway_subgraph_shared_total\{subgraph="catalog",service="gateway"\} 5$/m);
  });

  it('are called once each without deduplication (GATEWAY_DEDUPE_INFLIGHT=false)', async () => {
    const gateway = await gatewayWith({ GATEWAY_DEDUPE_INFLIGHT: 'false' });
    fixture.slowMs.value = 300;
    const { calls } = await concurrently(gateway.url, 6, () => ({ query: '{ slow products { id } }' }));
    expect(calls).toBe(6);
  });

  it('are never shared between viewers', async () => {
    const gateway = await gatewayWith();
    fixture.slowMs.value = 300;
    const tokens = await Promise.all(['u1', 'u2', 'u3'].map((id) => tokenFor(id)));
    const { answers, calls } = await concurrently(
      gateway.url,
      6,
      () => ({ query: '{ slow me { id } }' }),
      (i) => tokens[i % 3]!,
    );
    expect(calls).toBe(3);
    expect(answers.map((answer) => answer.body.data?.me)).toEqual(
      ['u1', 'u2', 'u3', 'u1', 'u2', 'u3'].map((id) => ({ id })),
    );
  });

  it('differ by variables and are not shared', async () => {
    const gateway = await gatewayWith();
    fixture.slowMs.value = 300;
    const { answers, calls } = await concurrently(gateway.url, 4, (i) => ({
      query: 'query Page($first: Int) { slow products(first: $first) { id } }',
      variables: { first: (i % 2) + 1 },
    }));
    expect(calls).toBe(2);
    expect(answers.map((answer) => (answer.body.data?.products as unknown[]).length)).toEqual([1, 2, 1, 2]);
  });

  it('never share a mutation: each one is applied', async () => {
    const gateway = await gatewayWith();
    fixture.slowMs.value = 300;
    const { answers, calls } = await concurrently(gateway.url, 3, () => ({
      query: 'mutation { renameProduct(id: "p2", name: "Desk") { id name } }',
    }));
    expect(calls).toBe(3);
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
  });
});

describe('subgraph transport', () => {
  it('keeps its connections to a subgraph open across requests', async () => {
    const gateway = await gatewayWith();
    const sockets = new Set<unknown>();
    const onConnection = (socket: unknown) => sockets.add(socket);
    fixture.catalog.server.on('connection', onConnection);
    try {
      for (let i = 0; i < 5; i++) await post(gateway.url, { query: '{ products { id } }' });
    } finally {
      fixture.catalog.server.off('connection', onConnection);
    }
    expect(sockets.size).toBe(1);
  });

  it("forwards the executor's own headers: a federated trace is asked for and comes back", async () => {
    const source = new SubgraphDataSource({
      name: 'catalog',
      url: fixture.catalog.url,
      secret,
      timeoutMs: 1000,
      dedupe: true,
      metrics: createGatewayMetrics(),
    });
    const process = (headers: Record<string, string>) =>
      source.process({
        kind: 'incoming operation',
        request: {
          query: '{ products { id } }',
          http: { method: 'POST', url: '', headers: new Headers(headers) },
        },
        context: {},
      } as unknown as Parameters<SubgraphDataSource['process']>[0]);
    const traced = await process({ 'apollo-federation-include-trace': 'ftv1' });
    expect(typeof traced.extensions?.ftv1).toBe('string');
    const untraced = await process({});
    expect(untraced.extensions?.ftv1).toBeUndefined();
  });
});
