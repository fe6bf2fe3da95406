import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventFields, type DomainEvent } from '@aetherial/events';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { cacheBackends, cacheRedisReady, type CacheBackend } from './fixtures/cache-backends.js';
import { composeFixture, post, testConfig, tokenFor, until, writeSupergraph } from './helpers.js';

for (const kind of cacheBackends)
  describe.skipIf(kind.unavailable !== null)(
    `on ${kind.name}${kind.unavailable ? ` (${kind.unavailable})` : ''}`,
    () => {
      let fixture: Fixture;
      let backend: CacheBackend;
      let gateway: RunningGateway;
      const stream = `gateway-test-events-${process.pid}`;

      beforeAll(async () => {
        process.env.EVENTS_STREAM = stream;
        backend = await kind.start();
        fixture = await startFixtureSubgraphs();
        gateway = await startGateway(
          testConfig({ ...backend.config, SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture)) }),
        );
        await cacheRedisReady(gateway.url);
      });

      afterAll(async () => {
        await gateway?.stop();
        await fixture?.stop();
        await backend?.close();
      });

      beforeEach(async () => {
        // Drop cached responses and persisted queries, not the events stream and its consumer group.
        await backend.clear(['rc:*', 'apq:*']);
        fixture.calls.catalog = 0;
        fixture.calls.reviews = 0;
      });

      const productQuery = `query Product($id: ID!) { product(id: $id) { id name priceCents reviews { stars } } }`;

      async function publish(
        event: Partial<DomainEvent> & Pick<DomainEvent, 'type' | 'entity' | 'entityId'>,
      ) {
        const full: DomainEvent = {
          eventId: crypto.randomUUID(),
          version: 2,
          occurredAt: new Date().toISOString(),
          payload: {},
          ...event,
        };
        await backend.events.xadd(stream, '*', ...eventFields(full));
      }

      describe('response cache', () => {
        it('serves a repeated query from Redis without calling any subgraph', async () => {
          const first = await post(gateway.url, { query: productQuery, variables: { id: 'p1' } });
          expect(first.cache).toBe('MISS');
          expect(first.body.data).toEqual({
            product: { id: 'p1', name: 'Lamp', priceCents: 1999, reviews: [{ stars: 5 }] },
          });
          const callsAfterMiss = { ...fixture.calls };
          expect(callsAfterMiss).toEqual({ catalog: 1, reviews: 1 });

          const second = await post(gateway.url, { query: productQuery, variables: { id: 'p1' } });
          expect(second.cache).toBe('HIT');
          expect(second.body).toEqual(first.body);
          expect(fixture.calls).toEqual(callsAfterMiss);
        });

        it('does not cache a response without cache hints', async () => {
          await post(gateway.url, { query: '{ clock }' });
          const again = await post(gateway.url, { query: '{ clock }' });
          expect(again.cache).toBe('UNCACHEABLE');
          expect(fixture.calls.catalog).toBe(2);
        });

        it('keeps PRIVATE responses per viewer and never serves them to another', async () => {
          const alice = { authorization: `Bearer ${await tokenFor('alice')}` };
          const bob = { authorization: `Bearer ${await tokenFor('bob')}` };
          expect((await post(gateway.url, { query: '{ me { id } }' }, alice)).body.data).toEqual({
            me: { id: 'alice' },
          });
          const aliceAgain = await post(gateway.url, { query: '{ me { id } }' }, alice);
          expect(aliceAgain.cache).toBe('HIT');
          const bobs = await post(gateway.url, { query: '{ me { id } }' }, bob);
          expect(bobs.cache).toBe('MISS');
          expect(bobs.body.data).toEqual({ me: { id: 'bob' } });
          const anonymous = await post(gateway.url, { query: '{ me { id } }' });
          expect(anonymous.body.data).toEqual({ me: null });
          expect((await post(gateway.url, { query: '{ me { id } }' })).cache).toBe('UNCACHEABLE');
        });

        it('drops exactly the responses holding an entity a domain event changed', async () => {
          await post(gateway.url, { query: productQuery, variables: { id: 'p1' } });
          await post(gateway.url, { query: productQuery, variables: { id: 'p2' } });
          fixture.products.get('p1')!.name = 'Brass lamp';
          await publish({ type: 'ProductUpdated', entity: 'Product', entityId: 'p1' });

          await until(
            async () =>
              (await post(gateway.url, { query: productQuery, variables: { id: 'p1' } })).cache === 'MISS',
          );
          const fresh = await post(gateway.url, { query: productQuery, variables: { id: 'p1' } });
          expect(fresh.body.data?.product).toMatchObject({ name: 'Brass lamp' });
          const unrelated = await post(gateway.url, { query: productQuery, variables: { id: 'p2' } });
          expect(unrelated.cache).toBe('HIT');
        });

        it('drops lists of a type when an entity of that type is created', async () => {
          await post(gateway.url, { query: '{ products { id } }' });
          expect((await post(gateway.url, { query: '{ products { id } }' })).cache).toBe('HIT');
          fixture.products.set('p3', { id: 'p3', name: 'Chair', priceCents: 4900 });
          await publish({ type: 'ProductCreated', entity: 'Product', entityId: 'p3' });
          await until(
            async () =>
              ((await post(gateway.url, { query: '{ products { id } }' })).body.data?.products as unknown[])
                .length === 3,
          );
          fixture.products.delete('p3');
        });

        it('drops the tags again once the read models have applied the event too', async () => {
          const products = async () => {
            const answer = await post(gateway.url, { query: '{ products { id } }' });
            return { cache: answer.cache, count: (answer.body.data?.products as unknown[]).length };
          };
          await products();
          expect((await products()).cache).toBe('HIT');
          // The event arrives before its read model has applied it: the first drop is refilled with the
          // old answer, which a single invalidation would leave cached for the whole maxAge (60 s).
          await publish({ type: 'ProductCreated', entity: 'Product', entityId: 'p4' });
          await until(async () => (await products()).cache === 'MISS');
          expect(await products()).toEqual({ cache: 'HIT', count: 2 });
          fixture.products.set('p4', { id: 'p4', name: 'Shelf', priceCents: 2900 });
          try {
            await until(async () => (await products()).count === 3, 5000);
          } finally {
            fixture.products.delete('p4');
          }
        });

        it('makes a mutation through the gateway visible to the very next read', async () => {
          await post(gateway.url, { query: productQuery, variables: { id: 'p2' } });
          await post(gateway.url, {
            query: 'mutation { renameProduct(id: "p2", name: "Standing desk") { id name } }',
          });
          const next = await post(gateway.url, { query: productQuery, variables: { id: 'p2' } });
          expect(next.cache).toBe('MISS');
          expect(next.body.data?.product).toMatchObject({ name: 'Standing desk' });
          fixture.products.get('p2')!.name = 'Desk';
        });

        it('answers from the subgraphs while Redis is down and uses the cache again when it returns', async () => {
          await post(gateway.url, { query: productQuery, variables: { id: 'p1' } });
          await backend.stopCache();
          const whileDown = await post(gateway.url, { query: productQuery, variables: { id: 'p1' } });
          expect(whileDown.status).toBe(200);
          expect(whileDown.body.errors).toBeUndefined();
          expect(whileDown.cache).toBe('BYPASS');
          expect(whileDown.body.data?.product).toMatchObject({ id: 'p1' });

          await backend.startCache();
          await until(
            async () =>
              (await post(gateway.url, { query: productQuery, variables: { id: 'p1' } })).cache === 'HIT',
            10_000,
          );
          const metrics = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
          expect(metrics).toMatch(/gateway_response_cache_total\{result="bypass",service="gateway"\} [1-9]/);
        });
      });

      describe('automatic persisted queries', () => {
        it('registers a query by hash in Redis and then runs it from the hash alone', async () => {
          const query = '{ products { id name } }';
          const sha256Hash = (await import('node:crypto')).createHash('sha256').update(query).digest('hex');
          const extensions = { persistedQuery: { version: 1, sha256Hash } };
          const unknown = await post(gateway.url, { extensions });
          expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
          const registered = await post(gateway.url, { query, extensions });
          expect(registered.body.data?.products).toHaveLength(2);
          expect(await backend.keys('apq:*')).toHaveLength(1);
          const byHash = await post(gateway.url, { extensions });
          expect(byHash.body).toEqual(registered.body);
        });
      });
    },
  );
