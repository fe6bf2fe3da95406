import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventFields, type DomainEvent } from '@aetherial/events';
import { cacheTag } from '@aetherial/subgraph-kit';
import { ResponseStore } from '../src/cache/response-store.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startBlogSubgraph, type BlogFixture } from './fixtures/blog-subgraph.js';
import { cacheBackends, cacheRedisReady, type CacheBackend } from './fixtures/cache-backends.js';
import { post, testConfig, tokenFor, until, writeSupergraph } from './helpers.js';

/**
 * Precise invalidation and private-first reads, through a real gateway, a real Redis and a real
 * subgraph tagged by subgraph-kit's cache-tags plugin. Events are published as their writers spell
 * them (content: events.ts `postCacheTags`/`commentCacheTags`; core: `coreCacheTags`; social:
 * `socialCacheTags`; each writer's tests check that spelling).
 */
for (const kind of cacheBackends)
  describe.skipIf(kind.unavailable !== null)(
    `on ${kind.name}${kind.unavailable ? ` (${kind.unavailable})` : ''}`,
    () => {
      let blog: BlogFixture;
      let backend: CacheBackend;
      let gateway: RunningGateway;
      const stream = `gateway-precision-events-${process.pid}`;

      beforeAll(async () => {
        process.env.EVENTS_STREAM = stream;
        backend = await kind.start();
        blog = await startBlogSubgraph();
        gateway = await startGateway(
          testConfig({
            ...backend.config,
            SUPERGRAPH_PATH: writeSupergraph(blog.supergraphSdl),
            // One drop per event: what an event drops is what this test counts.
            GATEWAY_CACHE_READ_MODEL_DELAY_MS: '0',
            GATEWAY_RATE_LIMIT: 'false',
          }),
        );
        await cacheRedisReady(gateway.url);
      });

      afterAll(async () => {
        await gateway?.stop();
        await blog?.stop();
        await backend?.close();
      });

      beforeEach(async () => {
        await backend.clear(['rc:*']);
      });

      const pages = {
        productPage: '{ product(id: "p1") { id name } }',
        postP1: '{ post(id: "P1") { id title commentCount comments { body } author { handle } } }',
        postP2: '{ post(id: "P2") { id title likeCount author { handle } } }',
        postsList: '{ posts { edges { node { id title } } } }',
        profileU1: '{ user(id: "u1") { handle posts { edges { node { title } } } } }',
        usersList: '{ users { handle } }',
        marker: '{ product(id: "marker") { id } }',
      };
      type Page = keyof typeof pages;
      const counted = (Object.keys(pages) as Page[]).filter((page) => page !== 'marker');

      async function warm(): Promise<void> {
        for (const query of Object.values(pages)) await post(gateway.url, { query });
        for (const page of Object.keys(pages) as Page[])
          expect((await post(gateway.url, { query: pages[page] })).cache, page).toBe('HIT');
      }

      /** The pages still answered from the cache (each lookup refills a dropped one: call once per write). */
      async function survivors(): Promise<Page[]> {
        const hits: Page[] = [];
        for (const page of counted)
          if ((await post(gateway.url, { query: pages[page] })).cache === 'HIT') hits.push(page);
        return hits;
      }

      /** When the marker's tag was last dropped (the latest of its shards on a cluster). */
      async function markerGeneration(): Promise<number> {
        const values = await Promise.all(
          backend.shardKeys('i:Product:marker').map((key) => backend.get(key)),
        );
        return Math.max(-1, ...values.map((value) => Number(value ?? -1)));
      }

      /** How many cached responses a tag's set names (over every shard on a cluster). */
      async function tagged(tag: string): Promise<number> {
        const counts = await Promise.all(backend.shardKeys(`t:${tag}`).map((key) => backend.scard(key)));
        return counts.reduce((sum, count) => sum + count, 0);
      }

      let markerVersion = 0;
      /**
       * Publishes the events, then a marker event whose drop shows they were all handled (one consumer
       * handles the stream in order).
       */
      async function publishAndWait(
        ...events: (Pick<DomainEvent, 'type' | 'entity' | 'entityId'> & Partial<DomainEvent>)[]
      ) {
        blog.products.set('marker', { id: 'marker', name: 'marker' });
        const marker = { type: 'ProductUpdated', entity: 'Product', entityId: 'marker', cacheTags: [] };
        const before = await markerGeneration();
        for (const event of [...events, marker]) {
          const full: DomainEvent = {
            eventId: crypto.randomUUID(),
            version: (markerVersion += 1),
            occurredAt: new Date().toISOString(),
            payload: {},
            ...event,
          };
          await backend.events.xadd(stream, '*', ...eventFields(full));
        }
        await until(async () => (await markerGeneration()) > before);
      }

      describe('precise invalidation', () => {
        it('keeps every cached page an unrelated write does not change', async () => {
          await warm();
          // A sign-up (core: coreCacheTags('UserCreated')) changes the list of users and nothing cached.
          await publishAndWait({
            type: 'UserCreated',
            entity: 'User',
            entityId: 'u9',
            cacheTags: [cacheTag.list('User')],
          });
          expect(await survivors()).toEqual(['productPage', 'postP1', 'postP2', 'postsList', 'profileU1']);

          await warm();
          // A like on P2 (social: socialCacheTags('PostLiked')) changes P2's likeCount: its page and the
          // list that shows P2 go; P1's page, the product page, the profile of P1's author stay.
          blog.posts.get('P2')!.likes += 1;
          await publishAndWait({
            type: 'PostLiked',
            entity: 'Like',
            entityId: 'P2:u1',
            cacheTags: [cacheTag.entity('Post', 'P2')],
          });
          expect(await survivors()).toEqual(['productPage', 'postP1', 'profileU1', 'usersList']);
        });

        it('keeps no cached page a related write changes', async () => {
          await warm();
          // A comment on P1 (content: commentCacheTags) changes P1's comments and commentCount.
          blog.posts.get('P1')!.comments.push({ id: 'c1', body: 'Nice' });
          await publishAndWait({
            type: 'CommentAdded',
            entity: 'Comment',
            entityId: 'c1',
            cacheTags: [cacheTag.entity('Post', 'P1')],
          });
          expect(await tagged('Post:P1')).toBe(0);
          expect(await survivors()).toEqual(['productPage', 'postP2', 'usersList']);
          const fresh = await post(gateway.url, { query: pages.postP1 });
          expect(fresh.body.data?.post).toMatchObject({ commentCount: 1, comments: [{ body: 'Nice' }] });
          blog.posts.get('P1')!.comments.length = 0;

          await warm();
          // Publishing the draft P3 (content: postCacheTags(draft, published)) changes every list of
          // posts and its author's posts, not the pages of other posts.
          blog.posts.get('P3')!.published = true;
          try {
            await publishAndWait({
              type: 'PostUpdated',
              entity: 'Post',
              entityId: 'P3',
              cacheTags: [cacheTag.list('Post'), cacheTag.childList('User', 'u1', 'posts')],
            });
            expect(await tagged('Post')).toBe(0);
            expect(await survivors()).toEqual(['productPage', 'postP1', 'postP2', 'usersList']);
            const list = await post(gateway.url, { query: pages.postsList });
            expect(JSON.stringify(list.body.data)).toContain('Third');
          } finally {
            blog.posts.get('P3')!.published = false;
          }
        });

        it('drops the lists of a type for an event from a writer that names no tags', async () => {
          await warm();
          await publishAndWait({ type: 'UserCreated', entity: 'User', entityId: 'u8' });
          expect(await survivors()).not.toContain('usersList');
        });
      });

      describe('private entry read first', () => {
        const profile = '{ user(id: "u1") { handle drafts } }';

        it('serves a viewer their own entry before the shared one', async () => {
          const ada = { authorization: `Bearer ${await tokenFor('u1')}` };
          const bob = { authorization: `Bearer ${await tokenFor('u2')}` };
          const own = await post(gateway.url, { query: profile }, ada);
          expect(own.body.data?.user).toEqual({ handle: 'ada', drafts: ['ada draft'] });
          // Bob's answer about Ada is a shared one (no drafts), stored after Ada's own.
          expect((await post(gateway.url, { query: profile }, bob)).body.data?.user).toEqual({
            handle: 'ada',
            drafts: [],
          });
          expect((await post(gateway.url, { query: profile }, bob)).cache).toBe('HIT');
          const again = await post(gateway.url, { query: profile }, ada);
          expect(again.cache).toBe('HIT');
          expect(again.body.data?.user).toEqual({ handle: 'ada', drafts: ['ada draft'] });
        });

        it('never serves a viewer a shared answer about themselves', async () => {
          const ada = { authorization: `Bearer ${await tokenFor('u1')}` };
          const bob = { authorization: `Bearer ${await tokenFor('u2')}` };
          await post(gateway.url, { query: profile }, bob);
          expect((await post(gateway.url, { query: profile }, bob)).cache).toBe('HIT');
          const first = await post(gateway.url, { query: profile }, ada);
          expect(first.cache).toBe('MISS');
          expect(first.body.data?.user).toEqual({ handle: 'ada', drafts: ['ada draft'] });
          expect((await post(gateway.url, { query: profile }, ada)).body.data?.user).toMatchObject({
            drafts: ['ada draft'],
          });
          // A shared answer that holds the viewer is kept as theirs: they hit it next time.
          const shared = '{ users { handle } }';
          await post(gateway.url, { query: shared }, ada);
          expect((await post(gateway.url, { query: shared }, ada)).cache).toBe('HIT');
          expect((await post(gateway.url, { query: shared }, bob)).cache).toBe('MISS');
        });

        it('keeps anonymous and signed-in shared answers apart', async () => {
          // No scopes in the token: only the audience tells the two answers apart.
          const bob = { authorization: `Bearer ${await tokenFor('u2', { scopes: [] })}` };
          await post(gateway.url, { query: pages.productPage });
          expect((await post(gateway.url, { query: pages.productPage })).cache).toBe('HIT');
          expect((await post(gateway.url, { query: pages.productPage }, bob)).cache).toBe('MISS');
          expect((await post(gateway.url, { query: pages.productPage }, bob)).cache).toBe('HIT');
        });
      });

      describe('tag drops in bounded chunks', () => {
        it('drops a large tag set with SSCAN and UNLINK, a chunk at a time, never SMEMBERS or DEL', async () => {
          const store = new ResponseStore(backend.client(), 100);
          const nodes = backend.nodes();
          const keys = async (suffix: string) =>
            (await Promise.all(backend.shardKeys(suffix).map((pattern) => backend.keys(pattern)))).flat();
          const big = 2500;
          for (let start = 0; start < big; start += 250)
            await Promise.all(
              Array.from({ length: 250 }, (_, i) =>
                store.store(`big-${start + i}`, '{}', 60, 0, ['Big', 'Shared']),
              ),
            );
          for (let i = 0; i < 10; i += 1) await store.store(`small-${i}`, '{}', 60, 0, ['Small']);
          // On a cluster the shards spread the entries over every master.
          const perNode = await Promise.all(
            nodes.map(async (node) => (await node.keys('rc:*r:big-*')).length),
          );
          expect(perNode.every((count) => count > 0)).toBe(true);
          await Promise.all(nodes.map((node) => node.config('RESETSTAT')));
          expect(await store.invalidate(['Big'])).toBe(big);
          const stats = await Promise.all(nodes.map((node) => node.info('commandstats')));
          const calls = (command: string) =>
            stats
              .map((text) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(text)?.[1] ?? 0))
              .reduce((sum, count) => sum + count, 0);
          expect(calls('sscan')).toBeGreaterThanOrEqual(big / 100 / 2);
          expect(calls('unlink')).toBeGreaterThanOrEqual(big / 100);
          expect(calls('smembers')).toBe(0);
          expect(calls('del')).toBe(0);
          expect(await keys('r:big-*')).toEqual([]);
          expect(await keys('d:*')).toEqual([]);
          expect(await keys('r:small-*')).toHaveLength(10);
          // A response computed before the drop is refused afterwards; one computed after is kept.
          expect(await store.store('late', '{}', 60, 0, ['Big'])).toBe(false);
          const { generation } = await store.lookup('late', null);
          expect(await store.store('late', '{}', 60, generation, ['Big'])).toBe(true);
        });
      });
    },
  );
