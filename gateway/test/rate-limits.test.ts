import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { cacheBackends, cacheRedisReady, type CacheBackend } from './fixtures/cache-backends.js';
import { composeFixture, post, testConfig, tokenFor, writeSupergraph } from './helpers.js';

for (const kind of cacheBackends)
  describe.skipIf(kind.unavailable !== null)(
    `on ${kind.name}${kind.unavailable ? ` (${kind.unavailable})` : ''}`,
    () => {
      let fixture: Fixture;
      let backend: CacheBackend;
      let gateway: RunningGateway;

      const PER_IP = 5;

      beforeAll(async () => {
        backend = await kind.start();
        fixture = await startFixtureSubgraphs();
        gateway = await startGateway(
          testConfig({
            ...backend.config,
            SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture)),
            GATEWAY_CACHE: 'false',
            // Each test is its own client address (X-Forwarded-For), so the budgets do not mix.
            GATEWAY_TRUST_PROXY: 'true',
            GATEWAY_RATE_LIMIT_WINDOW_S: '2',
            GATEWAY_RATE_LIMIT_PER_IP: String(PER_IP),
            GATEWAY_RATE_LIMIT_PER_VIEWER: '3',
            GATEWAY_RATE_LIMIT_AUTH_PER_IP: '4',
            GATEWAY_RATE_LIMIT_AUTH_PER_ACCOUNT: '2',
          }),
        );
        // Counted in Redis from the first request, not in the insurance limiter's memory.
        await cacheRedisReady(gateway.url);
      });

      afterAll(async () => {
        await gateway?.stop();
        await fixture?.stop();
        await backend?.close();
      });

      const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });

      async function get(ip: string, extra: Record<string, string> = {}) {
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...from(ip, extra) },
          body: JSON.stringify({ query: '{ clock }' }),
        });
        const body = (await response.json()) as {
          errors?: { message: string; extensions?: { code?: string } }[];
        };
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
      }

      const logIn = (login: string) => ({
        query: 'mutation LogIn($input: LogInInput!) { logIn(input: $input) }',
        variables: { input: { login, password: 'correct horse battery' } },
      });

      describe('per client address', () => {
        it('answers 429 RATE_LIMITED with Retry-After past the budget, and recovers after the window', async () => {
          for (let i = 0; i < PER_IP; i += 1) expect((await get('10.0.0.1')).status).toBe(200);
          const limited = await get('10.0.0.1');
          expect(limited.status).toBe(429);
          expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
          expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
          expect((await get('10.0.0.2')).status).toBe(200); // another client is not affected
          expect(await backend.keys('rl:ip*10.0.0.1')).toHaveLength(1); // counted in the cache Redis
          await new Promise((resolve) => setTimeout(resolve, Number(limited.retryAfter) * 1000 + 100));
          expect((await get('10.0.0.1')).status).toBe(200);
        });
      });

      describe('per viewer', () => {
        it('limits a signed-in viewer across addresses', async () => {
          const token = { authorization: `Bearer ${await tokenFor('busy-user')}` };
          for (let i = 0; i < 3; i += 1) expect((await get(`10.1.0.${i}`, token)).status).toBe(200);
          const limited = await get('10.1.0.9', token);
          expect(limited.status).toBe(429);
          expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
        });
      });

      describe('logIn and signUp', () => {
        it('refuses more than one auth mutation in an operation, even hidden under aliases in a fragment', async () => {
          const before = fixture.calls.catalog;
          const aliased = Array.from(
            { length: 30 },
            (_, i) => `try${i}: logIn(input: { login: "alice", password: "guess-${i}" })`,
          ).join(' ');
          const answer = await post(
            gateway.url,
            { query: `mutation { ...Tries } fragment Tries on Mutation { ${aliased} }` },
            from('10.2.0.1'),
          );
          expect(answer.status).toBe(400);
          expect(answer.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_AUTH_ATTEMPTS');
          expect(fixture.calls.catalog).toBe(before);
        });

        it('limits attempts per account (the login argument, from variables), whatever the address', async () => {
          expect((await post(gateway.url, logIn('Alice'), from('10.3.0.1'))).body.data).toEqual({
            logIn: 'token-for-Alice',
          });
          expect((await post(gateway.url, logIn('alice '), from('10.3.0.2'))).status).toBe(200);
          const limited = await post(gateway.url, logIn('ALICE'), from('10.3.0.3'));
          expect(limited.status).toBe(429);
          expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
          expect((await post(gateway.url, logIn('bob'), from('10.3.0.3'))).status).toBe(200);
        });

        it('limits attempts per address, whatever the account', async () => {
          for (let i = 0; i < 4; i += 1)
            expect((await post(gateway.url, logIn(`user${i}`), from('10.4.0.1'))).status).toBe(200);
          const limited = await post(gateway.url, logIn('user9'), from('10.4.0.1'));
          expect(limited.status).toBe(429);
        });
      });

      describe('Redis down', () => {
        it('keeps limiting from memory and keeps answering', async () => {
          await backend.stopCache();
          try {
            for (let i = 0; i < PER_IP; i += 1) {
              const answer = await get('10.5.0.1');
              expect(answer.status).toBe(200);
              expect(answer.body.errors).toBeUndefined();
            }
            const limited = await get('10.5.0.1');
            expect(limited.status).toBe(429);
            expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
            expect((await get('10.5.0.2')).status).toBe(200);
          } finally {
            await backend.startCache();
          }
        });
      });
    },
  );
