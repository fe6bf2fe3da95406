import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, post, secret, testConfig, writeSupergraph } from './helpers.js';

let fixture: Fixture;
let redis: TestRedis;
let gateway: RunningGateway;
let deadReviews: RunningGateway;

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs(secret);
  const production = { REDIS_URL: redis.url, NODE_ENV: 'production', GATEWAY_CACHE: 'false' };
  gateway = await startGateway(
    testConfig({ ...production, SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture)) }),
  );
  const unreachable = composeFixture(fixture).replace(fixture.reviews.url, 'http://127.0.0.1:9/graphql');
  deadReviews = await startGateway(
    testConfig({ ...production, SUPERGRAPH_PATH: writeSupergraph(unreachable) }),
  );
});

afterAll(async () => {
  await gateway?.stop();
  await deadReviews?.stop();
  await fixture?.stop();
  await redis?.stop();
});

describe('errors in production', () => {
  it('turns an unknown error into INTERNAL_SERVER_ERROR with the request id, and keeps its siblings', async () => {
    const answer = await post(gateway.url, { query: '{ clock broken }' }, { 'x-request-id': 'req-42' });
    expect(answer.body.data).toEqual({ clock: expect.any(String), broken: null });
    expect(answer.body.errors).toEqual([
      {
        message: 'internal error; quote request id req-42 to the operators',
        path: ['broken'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' },
      },
    ]);
    const text = JSON.stringify(answer.body);
    for (const secretPart of ['ECONNREFUSED', '10.1.2.3', 'hunter2', 'stacktrace', fixture.catalog.url])
      expect(text).not.toContain(secretPart);
  });

  it('names an unreachable subgraph, never its address or the socket error', async () => {
    const answer = await post(deadReviews.url, { query: '{ product(id: "p1") { name reviews { stars } } }' });
    expect(answer.body.data).toEqual({ product: { name: 'Lamp', reviews: null } });
    expect(answer.body.errors?.[0]?.message).toBe('subgraph "reviews" is unreachable');
    expect(answer.body.errors?.[0]?.extensions).toEqual({
      code: 'SUBGRAPH_UNAVAILABLE',
      serviceName: 'reviews',
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:9\//);
  });

  it('keeps the message of a known code', async () => {
    const answer = await post(gateway.url, { query: '{ myNotes }' });
    expect(answer.body.errors).toEqual([
      {
        message: 'Query.myNotes needs a signed-in viewer',
        locations: [{ line: 1, column: 3 }],
        path: ['myNotes'],
        extensions: { code: 'UNAUTHORIZED' },
      },
    ]);
    const invalid = await post(gateway.url, { query: '{ nope }' });
    expect(invalid.body.errors?.[0]?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(invalid.body.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
  });

  it('labels metrics with bounded values only: known error codes, operation types, never client names', async () => {
    await post(gateway.url, {
      query: 'query ClientChosenName4711 { clock }',
      operationName: 'ClientChosenName4711',
    });
    const subgraphMetrics = await (await fetch(fixture.catalog.url.replace('/graphql', '/metrics'))).text();
    expect(subgraphMetrics).toMatch(/^graphql_requests_total\{operation="query",outcome="ok"/m);
    expect(subgraphMetrics).not.toContain('ClientChosenName4711');
    const metrics = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).not.toContain('ClientChosenName4711');
    const codes = [...metrics.matchAll(/^gateway_errors_total\{code="([^"]+)"/gm)].map((match) => match[1]);
    expect(codes).toContain('INTERNAL_SERVER_ERROR');
    expect(codes).toContain('UNAUTHORIZED');
  });
});
