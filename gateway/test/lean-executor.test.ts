import { ApolloGateway } from '@apollo/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayInternals } from '../src/executor/apollo-gateway-internals.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, testConfig, tokenFor, writeSupergraph } from './helpers.js';

/**
 * GATEWAY_EXECUTOR=lean answers byte for byte what Apollo's executor answers, over the fixture
 * graph's shapes: entities across two subgraphs, interfaces and unions, fragments, aliases,
 * @skip/@include, errors of a subgraph and of a subgraph that is down, null bubbling of a denied
 * non-null field, introspection, and hostile response names. (The federation-gateway-audit covers
 * the rest of query planning: test/bench/README.md, "Federation audit".)
 */

let fixture: Fixture;
let redis: TestRedis;
let apollo: RunningGateway;
let lean: RunningGateway;
/** The last test stops the reviews subgraph. */
let reviewsStopped = false;

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs();
  const supergraphPath = writeSupergraph(composeFixture(fixture));
  const start = (executor: string) =>
    startGateway(
      testConfig({
        REDIS_URL: redis.url,
        SUPERGRAPH_PATH: supergraphPath,
        GATEWAY_CACHE: 'false',
        GATEWAY_EXECUTOR: executor,
      }),
    );
  [apollo, lean] = await Promise.all([start('apollo'), start('lean')]);
});

afterAll(async () => {
  await Promise.all([apollo?.stop(), lean?.stop()]);
  if (reviewsStopped) await fixture?.catalog.stop();
  else await fixture?.stop();
  await redis?.stop();
});

async function answer(url: string, body: unknown, token?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: withoutStacktraces(await response.text()) };
}

/** Development answers carry each error's stack trace, which names the executor's own files. */
function withoutStacktraces(text: string): string {
  const body = JSON.parse(text) as { errors?: { extensions?: Record<string, unknown> }[] };
  for (const error of body.errors ?? []) delete error.extensions?.stacktrace;
  return JSON.stringify(body);
}

const cases: { name: string; query: string; variables?: Record<string, unknown>; signedIn?: boolean }[] = [
  {
    name: 'entities from two subgraphs, nested',
    query: '{ products { id name reviews { id stars } related(first: 2) { name reviews { stars } } } }',
  },
  {
    name: 'one entity by argument',
    query: 'query P($id: ID!) { product(id: $id) { name reviews { stars } } }',
    variables: { id: 'p2' },
  },
  { name: 'an entity that does not exist', query: '{ product(id: "nope") { name reviews { stars } } }' },
  {
    name: 'aliases, the same field twice, __typename',
    query:
      '{ a: products(first: 1) { n: name id __typename } b: products { id kind: __typename reviews { s: stars } } }',
  },
  {
    name: 'a union and an interface through inline and named fragments',
    query: `{ items { __typename ...P ... on Viewer { id } } named { name ... on Product { priceCents reviews { id } } } }
            fragment P on Product { id name reviews { stars } }`,
  },
  {
    name: '@skip and @include, literal and variable',
    query: `query S($yes: Boolean!, $no: Boolean = false) {
              products { id name @skip(if: $yes) priceCents @include(if: $yes) reviews @include(if: $no) { id } ... on Product @skip(if: false) { n2: name } }
            }`,
    variables: { yes: true },
  },
  { name: 'a subgraph error, with partial data', query: '{ broken products(first: 1) { id } }' },
  {
    name: 'a non-null field denied to an anonymous viewer makes its parent null',
    query: '{ products { id internalCode } }',
  },
  { name: 'the same, signed in', query: '{ products { id internalCode supplierEmail } }', signedIn: true },
  {
    name: 'introspection beside data',
    query: '{ __typename products(first: 1) { id } __type(name: "Review") { name fields { name } } }',
  },
  {
    name: 'response names Object.prototype also has',
    query:
      '{ products { __proto__: name constructor: id toString: priceCents hasOwnProperty: reviews { valueOf: stars } } }',
  },
];

describe('the lean executor (GATEWAY_EXECUTOR=lean)', () => {
  it.each(cases)('answers as Apollo does: $name', async ({ query, variables, signedIn }) => {
    const token = signedIn ? await tokenFor('u1') : undefined;
    const expected = await answer(apollo.url, { query, variables }, token);
    const actual = await answer(lean.url, { query, variables }, token);
    expect(actual).toEqual(expected);
    // Not an error-for-error match only: these are answered with data.
    expect(JSON.parse(actual.text)).toHaveProperty('data');
  });

  it("is the executor that answers (a development answer's stack trace names its file)", async () => {
    const stackOf = async (url: string) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ broken }' }),
      });
      const body = (await response.json()) as { errors: { extensions: { stacktrace: string[] } }[] };
      return body.errors[0]!.extensions.stacktrace.join('\n');
    };
    expect(await stackOf(lean.url)).toContain('src/executor/execute-plan.ts');
    expect(await stackOf(apollo.url)).toContain('@apollo/gateway/dist/executeQueryPlan.js');
  });

  it('cuts what the subgraphs sent down to what was asked, in the order it was asked', async () => {
    const { text } = await answer(lean.url, {
      query: '{ products(first: 1) { reviews { stars } name id } }',
    });
    expect(text).toBe(
      '{"data":{"products":[{"reviews":[{"stars":5}],"name":"Lamp","id":"p1"}]},"extensions":{"cost":{"estimated":5}}}',
    );
  });

  it('keeps hostile response names as data and pollutes nothing', async () => {
    const { text } = await answer(lean.url, {
      query: '{ product(id: "p1") { __proto__: reviews { polluted: stars } } }',
    });
    expect(JSON.parse(text).data).toEqual(JSON.parse('{"product":{"__proto__":[{"polluted":5}]}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("relies on ApolloGateway's private members that it names (a renamed one fails here)", () => {
    const internals = gatewayInternals(new ApolloGateway({ supergraphSdl: composeFixture(fixture) }));
    expect(internals.queryPlanStore).toBeDefined();
    expect(typeof internals.validateIncomingRequest).toBe('function');
    expect(internals.serviceMap).toEqual({});
    expect(typeof internals.recursiveSelectionsLimitDisabled).toBe('boolean');
    expect(typeof internals.nonLocalSelectionsLimitDisabled).toBe('boolean');
  });
  it('answers with data and an error naming the subgraph when one is down', async () => {
    await fixture.reviews.stop();
    try {
      const query = '{ products { id name reviews { stars } } }';
      const [expected, actual] = [await answer(apollo.url, { query }), await answer(lean.url, { query })];
      expect(actual).toEqual(expected);
      const body = JSON.parse(actual.text);
      expect(body.data.products).toEqual([
        { id: 'p1', name: 'Lamp', reviews: null },
        { id: 'p2', name: 'Desk', reviews: null },
      ]);
      expect(body.errors[0].extensions.serviceName).toBe('reviews');
    } finally {
      reviewsStopped = true;
    }
  });
});
