import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/auth.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, jwtSecret, post, testConfig, tokenFor, writeSupergraph } from './helpers.js';

/**
 * The cache-hit fast path (src/fast-path): hits served as stored bytes before Apollo Server's
 * pipeline, with every access decision still holding. Gateways share one Redis, so one can store
 * an answer that another, configured differently, must not serve.
 */
let fixture: Fixture;
let redis: TestRedis;
let limitedRedis: TestRedis;
let admin: Redis;
let supergraphPath: string;
/** Defaults: fast path on. */
let fast: RunningGateway;
/** The same gateway with every hit through the pipeline. */
let pipeline: RunningGateway;
/** A cost budget the queries below pass elsewhere. */
let strict: RunningGateway;
/** Three requests per IP and window, on a Redis of its own (the limiters count there). */
let limited: RunningGateway;

beforeAll(async () => {
  [redis, limitedRedis, fixture] = await Promise.all([
    startTestRedis(),
    startTestRedis(),
    startFixtureSubgraphs(),
  ]);
  supergraphPath = writeSupergraph(composeFixture(fixture));
  const base = { REDIS_URL: redis.url, SUPERGRAPH_PATH: supergraphPath };
  [fast, pipeline, strict, limited] = await Promise.all([
    startGateway(testConfig(base)),
    startGateway(testConfig({ ...base, GATEWAY_CACHE_FAST_PATH: 'false' })),
    startGateway(testConfig({ ...base, GATEWAY_MAX_COST: '5' })),
    startGateway(
      testConfig({
        REDIS_URL: limitedRedis.url,
        SUPERGRAPH_PATH: supergraphPath,
        GATEWAY_RATE_LIMIT_WINDOW_S: '60',
        GATEWAY_RATE_LIMIT_PER_IP: '3',
      }),
    ),
  ]);
  admin = new Redis(redis.url);
});

afterAll(async () => {
  admin?.disconnect();
  await Promise.all([fast, pipeline, strict, limited].map((gateway) => gateway?.stop()));
  await fixture?.stop();
  await Promise.all([redis?.stop(), limitedRedis?.stop()]);
});

beforeEach(async () => {
  const keys = [...(await admin.keys('rc:*')), ...(await admin.keys('apq:*'))];
  if (keys.length > 0) await admin.del(...keys);
});

/** Hits the fast path served (its counter on /metrics). */
async function fastHits(gateway: RunningGateway): Promise<number> {
  const text = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((row) => row.startsWith('gateway_cache_fast_path_total{result="hit"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const productQuery = 'query Product($id: ID!) { product(id: $id) { id name priceCents reviews { stars } } }';
const codes = (answer: Awaited<ReturnType<typeof post>>) =>
  answer.body.errors?.map((error) => error.extensions?.code);

describe('cache-hit fast path', () => {
  it('serves a hit as exactly the bytes and headers the pipeline answers, without a subgraph call', async () => {
    const body = JSON.stringify({ query: productQuery, variables: { id: 'p1' } });
    expect((await post(fast.url, body)).cache).toBe('MISS');
    const calls = { ...fixture.calls };
    const before = await fastHits(fast);
    const send = (url: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const [viaFastPath, viaPipeline] = await Promise.all([send(fast.url), send(pipeline.url)]);
    expect(await fastHits(fast)).toBe(before + 1);
    expect(viaFastPath.headers.get('x-cache')).toBe('HIT');
    expect(viaPipeline.headers.get('x-cache')).toBe('HIT');
    const headers = (response: Response) =>
      [...response.headers].filter(([name]) => !['date', 'x-request-id'].includes(name));
    expect(headers(viaFastPath)).toEqual(headers(viaPipeline));
    const text = await viaFastPath.text();
    expect(text).toBe(await viaPipeline.text());
    expect(JSON.parse(text)).toMatchObject({ data: { product: { id: 'p1', name: 'Lamp' } } });
    expect(fixture.calls).toEqual(calls);
  });

  it('serves an APQ hash-only request and variables in another key order from the same entry', async () => {
    const query = 'query Two($a: ID!, $b: ID!) { a: product(id: $a) { id } b: product(id: $b) { id } }';
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const first = await post(fast.url, {
      query,
      variables: { a: 'p1', b: 'p2' },
      extensions: { persistedQuery },
    });
    expect(first.cache).toBe('MISS');
    const before = await fastHits(fast);
    const hashOnly = await post(fast.url, {
      variables: { b: 'p2', a: 'p1' },
      extensions: { persistedQuery },
    });
    expect(hashOnly.cache).toBe('HIT');
    expect(hashOnly.body).toEqual(first.body);
    expect(await fastHits(fast)).toBe(before + 1);
    // A hash that does not match the query is the pipeline's to refuse, never a hit.
    const mismatch = await post(fast.url, {
      query: '{ products { id } }',
      variables: { a: 'p1', b: 'p2' },
      extensions: { persistedQuery },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.cache).not.toBe('HIT');
  });

  it('keeps counting rate limits: a hit past the budget is 429', async () => {
    const body = { query: productQuery, variables: { id: 'p2' } };
    expect((await post(limited.url, body)).cache).toBe('MISS');
    expect((await post(limited.url, body)).cache).toBe('HIT');
    expect((await post(limited.url, body)).cache).toBe('HIT');
    expect(await fastHits(limited)).toBe(2);
    const refused = await post(limited.url, body);
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.data).toBeUndefined();
  });

  it('keeps demand control: a stored answer is not served where its cost passes the limit', async () => {
    const query = 'query Page($n: Int) { products(first: $n) { id name } }';
    const costly = { query, variables: { n: 10 } };
    expect((await post(fast.url, costly)).cache).toBe('MISS');
    expect((await post(fast.url, costly)).cache).toBe('HIT'); // stored, and a hit where it passes
    // The strict gateway knows the document (it let it through with a small page) ...
    const small = { query, variables: { n: 1 } };
    expect((await post(strict.url, small)).cache).toBe('MISS');
    expect((await post(strict.url, small)).cache).toBe('HIT');
    // ... and still refuses the large page whose answer is stored.
    const before = await fastHits(strict);
    const refused = await post(strict.url, costly);
    expect(codes(refused)).toEqual(['QUERY_TOO_COSTLY']);
    expect(refused.body.data).toBeUndefined();
    expect(await fastHits(strict)).toBe(before);
  });

  it('never serves an admin hit to a customer: the key carries the scopes', async () => {
    const body = { query: '{ product(id: "p1") { id marginCents } }' };
    const adminToken = bearer(await tokenFor('admin-1', { scopes: ['customer', 'admin', 'catalog:write'] }));
    const customerToken = bearer(await tokenFor('user-1', { scopes: ['customer'] }));
    expect((await post(fast.url, body, adminToken)).body.data).toEqual({
      product: { id: 'p1', marginCents: 500 },
    });
    const adminAgain = await post(fast.url, body, adminToken);
    expect(adminAgain.cache).toBe('HIT');
    for (let i = 0; i < 2; i += 1) {
      const customer = await post(fast.url, body, customerToken);
      expect(customer.cache).not.toBe('HIT');
      expect(customer.body.data).toEqual({ product: { id: 'p1', marginCents: null } });
      expect(codes(customer)).toEqual(['FORBIDDEN']);
    }
  });

  it('never serves an @authenticated answer to an anonymous viewer with the same (empty) scopes', async () => {
    const body = { query: '{ product(id: "p1") { id supplierEmail } }' };
    const signedIn = bearer(await tokenFor('user-2', { scopes: [] }));
    expect((await post(fast.url, body, signedIn)).cache).toBe('MISS');
    expect((await post(fast.url, body, signedIn)).cache).toBe('HIT');
    for (let i = 0; i < 2; i += 1) {
      const anonymous = await post(fast.url, body);
      expect(anonymous.cache).not.toBe('HIT');
      expect(anonymous.body.data).toEqual({ product: { id: 'p1', supplierEmail: null } });
      expect(codes(anonymous)).toEqual(['UNAUTHORIZED']);
    }
  });

  it('keeps PRIVATE answers per verified viewer, and gives an expired or forged token none', async () => {
    const body = { query: '{ me { id } }' };
    const alice = bearer(await tokenFor('alice'));
    expect((await post(fast.url, body, alice)).cache).toBe('MISS');
    const before = await fastHits(fast);
    const aliceAgain = await post(fast.url, body, alice);
    expect(aliceAgain.cache).toBe('HIT');
    expect(aliceAgain.body.data).toEqual({ me: { id: 'alice' } });
    expect(await fastHits(fast)).toBe(before + 1);
    const bob = await post(fast.url, body, bearer(await tokenFor('bob')));
    expect(bob.cache).toBe('MISS');
    expect(bob.body.data).toEqual({ me: { id: 'bob' } });

    const claims = new SignJWT({ scope: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE);
    const expired = await claims
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(jwtSecret));
    const forged = await tokenFor('alice').then((token) => `${token.slice(0, -4)}AAAA`);
    for (const token of [expired, forged]) {
      const refused = await post(fast.url, body, bearer(token));
      expect(refused.status).toBe(401);
      expect(refused.cache).not.toBe('HIT');
      expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
      expect(JSON.stringify(refused.body)).not.toContain('"alice"');
    }
    expect(await fastHits(fast)).toBe(before + 1);
  });
});
