import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, post, secret, testConfig, writeSupergraph } from './helpers.js';

let fixture: Fixture;
let redis: TestRedis;
let gateway: RunningGateway;

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs(secret);
  gateway = await startGateway(
    testConfig({
      REDIS_URL: redis.url,
      SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture)),
      GATEWAY_CACHE: 'false',
      GATEWAY_MAX_COST: '5000',
      GATEWAY_MAX_DEPTH: '40',
      GATEWAY_MAX_ALIASES: '30',
    }),
  );
});

afterAll(async () => {
  await gateway?.stop();
  await fixture?.stop();
  await redis?.stop();
});

const codeOf = (answer: Awaited<ReturnType<typeof post>>) => answer.body.errors?.[0]?.extensions?.code;

/** Refused before planning: no subgraph saw the request. */
async function refused(body: unknown): Promise<Awaited<ReturnType<typeof post>>> {
  const before = { ...fixture.calls };
  const answer = await post(gateway.url, body);
  expect(answer.status).toBe(400);
  expect(fixture.calls).toEqual(before);
  return answer;
}

describe('cost from the schema', () => {
  it('estimates a nested list that leaves out "first" from the schema default (20 × 20 × 20) and refuses it', async () => {
    // products: no default, so 20 (GATEWAY_COST_DEFAULT_LIST_SIZE); related(first: Int = 20).
    const answer = await refused({ query: '{ products { related { related { id } } } }' });
    expect(codeOf(answer)).toBe('QUERY_TOO_COSTLY');
    // The same shape with small pages answers, and says what it was estimated at:
    // products 1 + 2 × (related 1 + 2 × (related 1 + 2 × id 1)) = 1 + 2 × (1 + 2 × 3) = 15.
    const small = await post(gateway.url, {
      query: '{ products(first: 2) { related(first: 2) { related(first: 2) { id } } } }',
    });
    expect(small.body.errors).toBeUndefined();
    expect(small.body.extensions).toEqual({ cost: { estimated: 15 } });
  });

  it('takes list sizes from variables, then from the variable default, then from the schema default', async () => {
    const query = 'query Q($n: Int = 300) { products(first: 1) { related(first: $n) { related { id } } } }';
    expect(codeOf(await refused({ query }))).toBe('QUERY_TOO_COSTLY'); // 300 × 20 by the defaults
    const given = await post(gateway.url, { query, variables: { n: 1 } });
    expect(given.body.errors).toBeUndefined();
    expect(given.body.extensions).toEqual({ cost: { estimated: 1 + (1 + (1 + 20)) } });
  });

  it('weighs a field by its @cost', async () => {
    const before = await post(gateway.url, { query: '{ clock }' });
    expect(before.body.extensions).toEqual({ cost: { estimated: 1 } });
    const answer = await post(gateway.url, { query: '{ expensive }' });
    expect(answer.body.extensions).toEqual({ cost: { estimated: 1000 } });
    const many = await refused({
      query: '{ a: expensive b: expensive c: expensive d: expensive e: expensive f: expensive }',
    });
    expect(codeOf(many)).toBe('QUERY_TOO_COSTLY');
  });

  it('counts a mutation root field as a write (10)', async () => {
    const answer = await post(gateway.url, {
      query: 'mutation { renameProduct(id: "p9", name: "x") { id } }',
    });
    expect(answer.body.extensions).toEqual({ cost: { estimated: 11 } });
  });
});

describe('fragments', () => {
  /** F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^levels fields once expanded, a few KB of text. */
  const fanOut = (levels: number, leaf: string) => {
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    return `query FanOut { ...F0 }\n${fragments.join('\n')}\nfragment F${levels} on Query { ${leaf} }`;
  };

  it('refuses a fragment fan-out 30 levels deep by its cost (each fragment is measured once)', async () => {
    const answer = await refused({ query: fanOut(30, 'clock') });
    expect(codeOf(answer)).toBe('QUERY_TOO_COSTLY');
  });

  it('counts a fragment as often as it is spread', async () => {
    const answer = await post(gateway.url, { query: fanOut(3, 'clock') });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.extensions).toEqual({ cost: { estimated: 8 } });
  });

  it('refuses a fan-out of aliases by the alias limit, and depth through fragments by the depth limit', async () => {
    expect(codeOf(await refused({ query: fanOut(5, 'c: clock') }))).toBe('TOO_MANY_ALIASES'); // 32 aliases
    const nested = Array.from(
      { length: 45 },
      (_, i) => `fragment N${i} on Product { related(first: 1) { ...N${i + 1} } }`,
    );
    const deep = `{ products(first: 1) { ...N0 } }\n${nested.join('\n')}\nfragment N45 on Product { id }`;
    expect(codeOf(await refused({ query: deep }))).toBe('QUERY_TOO_DEEP');
  });
});
