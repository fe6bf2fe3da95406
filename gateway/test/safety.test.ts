import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { signViewerHeaders } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, post, secret, testConfig, tokenFor, until, writeSupergraph } from './helpers.js';

let fixture: Fixture;
let redis: TestRedis;
let gateway: RunningGateway;
let supergraphPath: string;

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs(secret);
  supergraphPath = writeSupergraph(composeFixture(fixture));
  gateway = await startGateway(
    testConfig({
      REDIS_URL: redis.url,
      SUPERGRAPH_PATH: supergraphPath,
      GATEWAY_CACHE: 'false',
      GATEWAY_MAX_DEPTH: '4',
      GATEWAY_MAX_ALIASES: '3',
      GATEWAY_MAX_COST: '500',
      GATEWAY_MAX_BODY_BYTES: '4096',
    }),
  );
});

afterAll(async () => {
  await gateway?.stop();
  await fixture?.stop();
  await redis?.stop();
});

const codeOf = (answer: Awaited<ReturnType<typeof post>>) => answer.body.errors?.[0]?.extensions?.code;

describe('limits, checked before planning', () => {
  it('rejects a query deeper than the limit', async () => {
    expect(
      (await post(gateway.url, { query: 'query Deep { products { reviews { id } } }' })).body.errors,
    ).toBeUndefined();
    const shallow = await startGateway(
      testConfig({
        REDIS_URL: redis.url,
        SUPERGRAPH_PATH: supergraphPath,
        GATEWAY_MAX_DEPTH: '2',
        GATEWAY_CACHE: 'false',
      }),
    );
    try {
      const before = fixture.calls.catalog;
      const answer = await post(shallow.url, {
        query: 'query TooDeep { products { ... on Product { reviews { id } } } }',
      });
      expect(answer.status).toBe(400);
      expect(codeOf(answer)).toBe('QUERY_TOO_DEEP');
      expect(answer.body.errors?.[0]?.message).toBe('TooDeep is 3 levels deep; the limit is 2');
      expect(fixture.calls.catalog).toBe(before);
    } finally {
      await shallow.stop();
    }
  });

  it('rejects too many aliases without calling a subgraph', async () => {
    const before = fixture.calls.catalog;
    const answer = await post(gateway.url, { query: '{ a: clock b: clock c: clock d: clock }' });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('TOO_MANY_ALIASES');
    expect(fixture.calls.catalog).toBe(before);
  });

  it('rejects an estimated cost over the limit, counting first arguments from variables', async () => {
    // products(first: n) { id reviews { id stars } } costs 1 + 4n: fine for n = 10, over 500 for n = 200.
    const query = 'query Costly($n: Int) { products(first: $n) { id reviews { id stars } } }';
    const fine = await post(gateway.url, { query, variables: { n: 10 } });
    expect(fine.body.errors).toBeUndefined();
    expect(fine.body.extensions).toEqual({ cost: { estimated: 41 } });
    const before = fixture.calls.catalog;
    const answer = await post(gateway.url, { query, variables: { n: 200 } });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('QUERY_TOO_COSTLY');
    expect(answer.body.errors?.[0]?.message).toBe(
      'Costly has an estimated cost of more than 500 (the limit; lower the "first" arguments)',
    );
    expect(fixture.calls.catalog).toBe(before);
  });

  it('refuses a request body over the size limit with 413', async () => {
    const answer = await post(gateway.url, { query: `{ clock } # ${'x'.repeat(5000)}` });
    expect(answer.status).toBe(413);
    expect(codeOf(answer)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a malformed query with a clear syntax error and stays up', async () => {
    const answer = await post(gateway.url, { query: '{ products { id ' });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('GRAPHQL_PARSE_FAILED');
    expect((await post(gateway.url, { query: '{ clock }' })).status).toBe(200);
  });
});

describe('subgraph failures', () => {
  it('returns partial data and an error naming a subgraph that is too slow', async () => {
    fixture.slowMs.value = 3000;
    const started = Date.now();
    const answer = await post(gateway.url, { query: '{ slow products { id } }' });
    fixture.slowMs.value = 0;
    expect(Date.now() - started).toBeLessThan(2500);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors?.[0]?.message).toBe('subgraph "catalog" did not answer within 1000 ms');
    expect(codeOf(answer)).toBe('SUBGRAPH_TIMEOUT');
  });

  it('keeps the fields of healthy subgraphs when another is down', async () => {
    const deadReviews = composeFixture(fixture).replace(fixture.reviews.url, 'http://127.0.0.1:9/graphql');
    const partial = await startGateway(
      testConfig({
        REDIS_URL: redis.url,
        SUPERGRAPH_PATH: writeSupergraph(deadReviews),
        GATEWAY_CACHE: 'false',
      }),
    );
    try {
      const answer = await post(partial.url, { query: '{ product(id: "p1") { name reviews { stars } } }' });
      expect(answer.body.data).toEqual({ product: { name: 'Lamp', reviews: null } });
      expect(answer.body.errors?.[0]?.message).toMatch(/^subgraph "reviews" is unreachable/);
      expect(codeOf(answer)).toBe('SUBGRAPH_UNAVAILABLE');
    } finally {
      await partial.stop();
    }
  });
});

describe('auth', () => {
  it('forwards a verified viewer and rejects a bad token', async () => {
    const token = await tokenFor('user-7');
    const me = await post(gateway.url, { query: '{ me { id } }' }, { authorization: `Bearer ${token}` });
    expect(me.body.data).toEqual({ me: { id: 'user-7' } });
    const forged = await post(
      gateway.url,
      { query: '{ me { id } }' },
      { authorization: `Bearer ${token.slice(0, -3)}abc` },
    );
    expect(forged.status).toBe(401);
    expect(codeOf(forged)).toBe('UNAUTHENTICATED');
  });

  it('subgraphs reject calls without the gateway signature, with a forged viewer, or signed with another secret', async () => {
    const query = JSON.stringify({ query: '{ me { id } }' });
    const call = (headers: Record<string, string>) =>
      fetch(fixture.catalog.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: query,
      });
    expect((await call({})).status).toBe(401);
    expect((await call({ 'x-aetherial-viewer': 'admin' })).status).toBe(401);
    const signed = signViewerHeaders(secret, 'user-1', randomUUID());
    expect((await call({ ...signed, 'x-aetherial-viewer': 'admin' })).status).toBe(401);
    expect((await call(signViewerHeaders('another-secret-entirely', 'admin', randomUUID()))).status).toBe(
      401,
    );
    const genuine = await call(signed);
    expect(genuine.status).toBe(200);
    expect(await genuine.json()).toEqual({ data: { me: { id: 'user-1' } } });
  });
});

describe('hot reload', () => {
  it('switches to a new supergraph under load with zero failed requests, and refuses a broken one', async () => {
    let failures = 0;
    let answered = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        const batch = await Promise.all(
          Array.from({ length: 8 }, () => post(gateway.url, { query: '{ products { id name } }' })),
        );
        for (const answer of batch) {
          answered += 1;
          if (answer.status !== 200 || answer.body.errors) failures += 1;
        }
      }
    })();
    await until(async () => answered > 50);
    const next = composeFixture(fixture, ' extend type Query { version: String }');
    writeFileSync(`${supergraphPath}.tmp`, next);
    renameSync(`${supergraphPath}.tmp`, supergraphPath);
    await until(async () => {
      const answer = await post(gateway.url, { query: '{ __type(name: "Query") { fields { name } } }' });
      const fields = (answer.body.data?.__type as { fields: { name: string }[] } | undefined)?.fields ?? [];
      return fields.some((field) => field.name === 'version');
    });
    const before = answered;
    await until(async () => answered > before + 50);

    writeFileSync(supergraphPath, 'this is not a supergraph');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stillServing = await post(gateway.url, { query: '{ products { id } }' });
    running = false;
    await load;
    expect(stillServing.body.errors).toBeUndefined();
    expect(failures).toBe(0);
    expect(answered).toBeGreaterThan(100);
  });
});

describe('production mode', () => {
  it('turns introspection and the landing page off and keeps CSRF prevention on', async () => {
    const production = await startGateway(
      testConfig({
        NODE_ENV: 'production',
        REDIS_URL: redis.url,
        SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture)),
        GATEWAY_SHARED_SECRET: secret,
        JWT_SECRET: 'a-production-jwt-secret-value',
      }),
    );
    try {
      const introspection = await post(production.url, { query: '{ __schema { types { name } } }' });
      expect(codeOf(introspection)).toBe('GRAPHQL_VALIDATION_FAILED');
      const landing = await fetch(production.url, { headers: { accept: 'text/html' } });
      expect(await landing.text()).not.toMatch(/sandbox|explorer/i);
      const simpleGet = await fetch(`${production.url}?query=${encodeURIComponent('{ clock }')}`);
      expect(simpleGet.status).toBe(400);
      const developmentLanding = await fetch(gateway.url, { headers: { accept: 'text/html' } });
      expect(await developmentLanding.text()).toMatch(/Aetherial graph explorer/); // test/explorer.test.ts
    } finally {
      await production.stop();
    }
  });
});
