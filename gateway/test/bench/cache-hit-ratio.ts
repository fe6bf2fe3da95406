/**
 * Cache hit ratio under a mixed read/write load: `npx tsx test/bench/cache-hit-ratio.ts [ops]`
 * from gateway/. A real gateway, a private real Redis and the blog fixture subgraph; 90 % reads of
 * pages (posts, products, profiles, the lists), 10 % writes (sign-ups, likes, comments, follows,
 * drafts published), each write applied to the fixture and published as its writer spells the
 * event (cacheTags as content, core and social put them), then waited for. Every hit is checked
 * against the subgraph's answer of the moment (stale hits are counted apart). Prints one line.
 * The same script run on the code before precise invalidation gives the "before" figure.
 */
import { Redis } from 'ioredis';
import { eventFields, type DomainEvent } from '@aetherial/events';
import { startGateway } from '../../src/server.js';
import { startBlogSubgraph } from '../fixtures/blog-subgraph.js';
import { startTestRedis } from '../fixtures/redis-server.js';
import { post, testConfig, until, writeSupergraph } from '../helpers.js';

const ops = Number(process.argv[2] ?? 2000);
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const stream = `bench-cache-events-${process.pid}`;
process.env.EVENTS_STREAM = stream;
const redis = await startTestRedis();
const blog = await startBlogSubgraph();
const userIds = Array.from({ length: 20 }, (_, i) => `u${i + 1}`);
for (const id of userIds) blog.users.set(id, { id, handle: `user${id}`, drafts: [] });
const postIds = Array.from({ length: 60 }, (_, i) => `P${i + 1}`);
for (const [i, id] of postIds.entries())
  blog.posts.set(id, {
    id,
    title: `Post ${id}`,
    authorId: userIds[i % userIds.length]!,
    published: i % 4 !== 0,
    likes: 0,
    comments: [],
  });
const productIds = Array.from({ length: 30 }, (_, i) => `p${i + 1}`);
for (const id of productIds) blog.products.set(id, { id, name: `Product ${id}` });

const gateway = await startGateway(
  testConfig({
    REDIS_URL: redis.url,
    SUPERGRAPH_PATH: writeSupergraph(blog.supergraphSdl),
    GATEWAY_CACHE_READ_MODEL_DELAY_MS: '0',
    GATEWAY_RATE_LIMIT: 'false',
    GATEWAY_SUBSCRIPTIONS: 'false',
  }),
);
const admin = new Redis(redis.url);

const reads: (() => string)[] = [
  () =>
    `{ post(id: "${pick(postIds)}") { id title commentCount likeCount comments { body } author { handle } } }`,
  () =>
    `{ post(id: "${pick(postIds)}") { id title commentCount likeCount comments { body } author { handle } } }`,
  () => `{ product(id: "${pick(productIds)}") { id name } }`,
  () => `{ product(id: "${pick(productIds)}") { id name } }`,
  () => `{ user(id: "${pick(userIds)}") { handle posts { edges { node { title } } } } }`,
  () => '{ posts { edges { node { id title } } } }',
  () => '{ users { handle } }',
];

let version = 0;
async function publish(event: Pick<DomainEvent, 'type' | 'entity' | 'entityId' | 'cacheTags'>) {
  const full: DomainEvent = {
    eventId: crypto.randomUUID(),
    version: (version += 1),
    occurredAt: new Date().toISOString(),
    payload: {},
    ...event,
  };
  const id = await admin.xadd(stream, '*', ...eventFields(full));
  // Handled: delivered to the gateway's group and acknowledged (after its drops finished).
  await until(async () => {
    const groups = (await admin.xinfo('GROUPS', stream)) as unknown[][];
    const group = groups
      .map((fields) =>
        Object.fromEntries(
          Array.from({ length: fields.length / 2 }, (_, i) => [String(fields[2 * i]), fields[2 * i + 1]]),
        ),
      )
      .find((fields) => fields.name === 'gateway-cache');
    return group?.['last-delivered-id'] === id && Number(group?.pending) === 0;
  }, 10_000);
}

const writes: (() => Promise<void>)[] = [
  async () => {
    const id = `u${blog.users.size + 1}`;
    blog.users.set(id, { id, handle: `user${id}`, drafts: [] });
    userIds.push(id);
    await publish({ type: 'UserCreated', entity: 'User', entityId: id, cacheTags: ['User'] });
  },
  async () => {
    const postId = pick(postIds);
    blog.posts.get(postId)!.likes += 1;
    await publish({
      type: 'PostLiked',
      entity: 'Like',
      entityId: `${postId}:${pick(userIds)}`,
      cacheTags: [`Post:${postId}`],
    });
  },
  async () => {
    const postId = pick(postIds);
    const id = `c${(version += 1)}`;
    blog.posts.get(postId)!.comments.push({ id, body: 'a comment' });
    await publish({ type: 'CommentAdded', entity: 'Comment', entityId: id, cacheTags: [`Post:${postId}`] });
  },
  async () => {
    const [follower, followee] = [pick(userIds), pick(userIds)];
    await publish({
      type: 'UserFollowed',
      entity: 'Follow',
      entityId: `${follower}:${followee}`,
      cacheTags: [`User:${follower}`, `User:${follower}.feed`, `User:${followee}`],
    });
  },
  async () => {
    const draft = [...blog.posts.values()].find((candidate) => !candidate.published);
    if (!draft) return;
    draft.published = true;
    await publish({
      type: 'PostUpdated',
      entity: 'Post',
      entityId: draft.id,
      cacheTags: ['Post', `User:${draft.authorId}.posts`],
    });
  },
];

let hits = 0;
let stale = 0;
let lookups = 0;
const started = performance.now();
for (let i = 0; i < ops; i += 1) {
  if (random() < 0.1) {
    await pick(writes)();
    continue;
  }
  const query = pick(reads)();
  const answer = await post(gateway.url, { query });
  if (answer.cache === 'HIT' || answer.cache === 'MISS') lookups += 1;
  if (answer.cache !== 'HIT') continue;
  hits += 1;
  // The same query under a hash never seen (a comment changes it): the subgraph's answer now.
  const fresh = await post(gateway.url, { query: `${query} # ${i}` });
  if (JSON.stringify(fresh.body.data) !== JSON.stringify(answer.body.data)) {
    stale += 1;
    if (process.env.BENCH_DEBUG)
      console.log(
        query.slice(0, 30),
        JSON.stringify(answer.body.data).slice(0, 200),
        JSON.stringify(fresh.body.data).slice(0, 200),
      );
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `cache hit ratio ${((100 * hits) / lookups).toFixed(1)}%, of which stale ${stale}; fresh hits ${((100 * (hits - stale)) / lookups).toFixed(1)}% (${hits}/${lookups} cacheable reads, ${ops - lookups} writes, ${seconds.toFixed(1)} s)`,
);
admin.disconnect();
await gateway.stop();
await blog.stop();
await redis.stop();
process.exit(0);
