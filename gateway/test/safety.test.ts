import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GRAPH_SECRET_NAMES, testSecrets } from '@aetherial/subgraph-kit';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/auth.js';
import { loadGatewayConfig } from '../src/config.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, jwtSecret, post, testConfig, tokenFor, until, writeSupergraph } from './helpers.js';

let fixture: Fixture;
let redis: TestRedis;
let gateway: RunningGateway;
let supergraphPath: string;

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs();
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
      // The hot-reload load loop sends thousands of requests from one address; rate limits have their own tests.
      GATEWAY_RATE_LIMIT: 'false',
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
  const ME = { query: '{ me { id scopes } }' };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('forwards a verified viewer with its scopes and rejects a bad token', async () => {
    const token = await tokenFor('user-7', { scopes: ['customer', 'admin', 'catalog:write'] });
    const me = await post(gateway.url, ME, bearer(token));
    expect(me.body.data).toEqual({ me: { id: 'user-7', scopes: ['customer', 'admin', 'catalog:write'] } });
    const forged = await post(gateway.url, ME, bearer(`${token.slice(0, -3)}abc`));
    expect(forged.status).toBe(401);
    expect(codeOf(forged)).toBe('UNAUTHENTICATED');
  });

  it('refuses a token without exp, for another audience or issuer, expired, or with a bad scope claim', async () => {
    const refusals: [string, Promise<string>, RegExp][] = [
      ['no exp', tokenFor('user-7', { expiresIn: null }), /^invalid token: missing required "exp" claim$/],
      ['other audience', tokenFor('user-7', { audience: 'another-api' }), /^invalid token: unexpected "aud"/],
      ['other issuer', tokenFor('user-7', { issuer: 'someone-else' }), /^invalid token: unexpected "iss"/],
      ['expired', tokenFor('user-7', { expiresIn: '-1s' }), /^token expired: sign in again$/],
      ['bad scope', tokenFor('user-7', { scopes: ['admin"\\'] }), /^invalid token: "scope" claim/],
    ];
    for (const [what, token, message] of refusals) {
      const answer = await post(gateway.url, ME, bearer(await token));
      expect(answer.status, what).toBe(401);
      expect(codeOf(answer), what).toBe('UNAUTHENTICATED');
      expect(answer.body.errors?.[0]?.message, what).toMatch(message);
    }
    const noSubject = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(jwtSecret));
    expect((await post(gateway.url, ME, bearer(noSubject))).body.errors?.[0]?.message).toBe(
      'invalid token: missing required "sub" claim',
    );
  });

  it("verifies an identity provider's RS256/ES256 tokens from its JWKS URL instead", async () => {
    const es = await generateKeyPair('ES256');
    const rs = await generateKeyPair('RS256');
    const jwks = {
      keys: [
        { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
      ],
    };
    let jwksRequests = 0;
    const idp = createServer((_req, res) => {
      jwksRequests += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
    const withIdp = await startGateway(
      testConfig({
        REDIS_URL: redis.url,
        SUPERGRAPH_PATH: supergraphPath,
        GATEWAY_CACHE: 'false',
        JWT_JWKS_URL: jwksUrl,
        JWT_ISSUER: 'https://idp.example.test/',
        JWT_AUDIENCE: 'aetherial-graph',
      }),
    );
    const idpToken = (
      alg: 'ES256' | 'RS256',
      key: Parameters<SignJWT['sign']>[0],
      audience = 'aetherial-graph',
    ) =>
      new SignJWT({ scope: 'customer' })
        .setProtectedHeader({ alg, kid: alg === 'ES256' ? 'es' : 'rs' })
        .setSubject('idp-user')
        .setIssuer('https://idp.example.test/')
        .setAudience(audience)
        .setExpirationTime('5m')
        .sign(key);
    try {
      for (const [alg, key] of [
        ['ES256', es.privateKey],
        ['RS256', rs.privateKey],
      ] as const) {
        const me = await post(withIdp.url, ME, bearer(await idpToken(alg, key)));
        expect(me.body.data, alg).toEqual({ me: { id: 'idp-user', scopes: ['customer'] } });
      }
      expect(jwksRequests).toBeGreaterThan(0);
      // Core's HS256 tokens are not the identity provider's; nor is a token for another audience.
      expect((await post(withIdp.url, ME, bearer(await tokenFor('user-7')))).status).toBe(401);
      expect((await post(withIdp.url, ME, bearer(await idpToken('ES256', es.privateKey, 'x')))).status).toBe(
        401,
      );
      const stranger = await generateKeyPair('ES256');
      expect((await post(withIdp.url, ME, bearer(await idpToken('ES256', stranger.privateKey)))).status).toBe(
        401,
      );
    } finally {
      await withIdp.stop();
      idp.close();
    }
  });

  it('subgraphs reject calls without the gateway signature and with a forged viewer', async () => {
    const query = JSON.stringify({ query: '{ me { id } }' });
    const call = (headers: Record<string, string>) =>
      fetch(fixture.catalog.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: query,
      });
    expect((await call({})).status).toBe(401);
    expect((await call({ 'x-aetherial-viewer': 'admin', 'x-aetherial-scopes': 'admin' })).status).toBe(401);
  });

  it('refuses a signature the gateway made, replayed with another body or against another subgraph', async () => {
    // A stand-in for `catalog` that records what the gateway sends it: what an eavesdropper would see.
    let captured: { headers: IncomingHttpHeaders; body: Buffer } | undefined;
    const recorder = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      captured = { headers: req.headers, body: Buffer.concat(chunks) };
      res.setHeader('content-type', 'application/json');
      res.end('{"data":{"me":null}}');
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/graphql`;
    const eavesdropped = await startGateway(
      testConfig({
        REDIS_URL: redis.url,
        SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture).replace(fixture.catalog.url, recorderUrl)),
        GATEWAY_CACHE: 'false',
      }),
    );
    try {
      const token = await tokenFor('user-7');
      await post(eavesdropped.url, ME, bearer(token));
      expect(captured).toBeDefined();
      const { headers, body } = captured!;
      expect(headers['x-aetherial-viewer']).toBe('user-7');
      expect(headers['x-aetherial-scopes']).toBe('customer');
      const signedHeaders: Record<string, string> = {};
      for (const name of [
        'content-type',
        'x-aetherial-viewer',
        'x-aetherial-scopes',
        'x-request-id',
        'x-aetherial-gateway-signature',
      ])
        signedHeaders[name] = String(headers[name]);
      const replay = (url: string, replayedBody: Buffer | string) =>
        fetch(url, { method: 'POST', headers: signedHeaders, body: replayedBody });

      // As captured, to the subgraph it was signed for, within its window: genuine, so served.
      expect((await replay(fixture.catalog.url, body)).status).toBe(200);
      // Another body: a mutation under the captured viewer.
      const otherBody = JSON.stringify({
        query: 'mutation { renameProduct(id: "p1", name: "Pwned") { id } }',
      });
      const withOtherBody = await replay(fixture.catalog.url, otherBody);
      expect(withOtherBody.status).toBe(401);
      expect(fixture.products.get('p1')?.name).not.toBe('Pwned');
      // The same call re-targeted at another subgraph.
      const retargeted = await replay(fixture.reviews.url, body);
      expect(retargeted.status).toBe(401);
      expect(((await retargeted.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(
        /does not match this call to reviews/,
      );
    } finally {
      await eavesdropped.stop();
      recorder.close();
    }
  });
});

describe('secrets', () => {
  const gatewayEntry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

  /** Starts the real gateway entry point with `env` (and no inherited secrets); its exit code and stderr. */
  async function startProcess(env: Record<string, string>) {
    const inherited = { ...process.env };
    for (const name of GRAPH_SECRET_NAMES) delete inherited[name];
    const child = spawn(process.execPath, ['--import', 'tsx', gatewayEntry], {
      env: { ...inherited, LOG_LEVEL: 'silent', GATEWAY_PORT: '0', GATEWAY_WORKERS: '1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stderr };
  }

  // Four processes starting at once (tsx compiles each): slow on a busy machine, hence the timeout.
  it(
    'a gateway process without its secrets refuses to start and names each missing variable',
    { timeout: 120_000 },
    async () => {
      const key = testSecrets().GATEWAY_SIGNING_PRIVATE_KEY;
      const [none, noJwt, weak, publicInstead] = await Promise.all([
        startProcess({}),
        startProcess({ GATEWAY_SIGNING_PRIVATE_KEY: key }),
        startProcess({ GATEWAY_SIGNING_PRIVATE_KEY: key, JWT_SECRET: 'aetherial-dev-only-jwt-secret' }),
        startProcess({
          GATEWAY_SIGNING_PRIVATE_KEY: testSecrets().GATEWAY_SIGNING_PUBLIC_KEY,
          JWT_SECRET: jwtSecret,
        }),
      ]);
      for (const refused of [none, noJwt, weak, publicInstead]) expect(refused.code).toBe(1);
      expect(none.stderr).toMatch(/GATEWAY_SIGNING_PRIVATE_KEY: required/);
      expect(noJwt.stderr).toMatch(/JWT_SECRET: required \(or JWT_JWKS_URL\)/);
      expect(weak.stderr).toMatch(/JWT_SECRET: must be at least 32 characters/);
      expect(publicInstead.stderr).toMatch(/GATEWAY_SIGNING_PRIVATE_KEY: not a private key/);
    },
  );

  it('the configuration refuses the same without a process', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'test' })).toThrow(/GATEWAY_SIGNING_PRIVATE_KEY: required/);
    expect(() =>
      loadGatewayConfig({
        NODE_ENV: 'production',
        GATEWAY_SIGNING_PRIVATE_KEY: testSecrets().GATEWAY_SIGNING_PRIVATE_KEY,
        JWT_JWKS_URL: 'http://idp.example.test/jwks.json',
      }),
    ).toThrow(/JWT_JWKS_URL: must be https in production/);
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
