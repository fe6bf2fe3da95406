import { randomUUID } from 'node:crypto';
import { parseEventFields } from '@aetherial/events';
import { afterIdlePoll, scrapeStoreRequests } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraph, type ContentSubgraph } from '../src/subgraph.js';
import {
  clearCollections,
  createPostAs,
  dataOf,
  dropTestDatabase,
  gqlFor,
  newUserId,
  TEST_DB,
  testConfig,
  type Gql,
} from './helpers.js';

/** The subgraph as it runs in production: its outbox relay on, here publishing to a test stream. */
let subgraph: ContentSubgraph;
let gql: Gql;
let redis: Redis;
const stream = `aetherial:test:content-relay:${randomUUID()}`;
const alice = newUserId();
const bob = newUserId();

beforeAll(async () => {
  await dropTestDatabase();
  subgraph = await createSubgraph(
    { ...testConfig(), EVENTS_STREAM: stream },
    { port: 0, relay: true, dbName: TEST_DB },
  );
  await clearCollections(subgraph);
  gql = gqlFor(subgraph);
  redis = new Redis(testConfig().REDIS_URL);
});
afterAll(async () => {
  await subgraph?.stop();
  await redis?.del(stream);
  await redis?.quit();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const trips = () => scrapeStoreRequests(subgraph.url, 'mongodb');

/**
 * Milliseconds from sending `write` until an event of `type` for the entity it returns is on the
 * stream, the write sent just after an idle poll of the relay (un-nudged, the next poll would be
 * about a second away).
 */
async function publishLatency(type: string, write: () => Promise<string>): Promise<number> {
  await afterIdlePoll(subgraph.url, 'mongodb');
  const sent = Date.now();
  const entityId = await write();
  for (;;) {
    const entries = await redis.xrange(stream, '-', '+');
    const events = entries.map(([, fields]) => parseEventFields(fields));
    if (events.some((event) => event.type === type && event.entityId === entityId)) return Date.now() - sent;
    if (Date.now() - sent > 5000) throw new Error(`${type} for ${entityId} never reached the stream`);
    await sleep(5);
  }
}

describe('the outbox relay of a running content subgraph', () => {
  it('makes at most a few MongoDB round trips a second while nothing happens', async () => {
    await afterIdlePoll(subgraph.url, 'mongodb'); // settled into its idle interval
    const before = await trips();
    const started = Date.now();
    await sleep(4000);
    const perSecond = ((await trips()) - before) / ((Date.now() - started) / 1000);
    // An idle poll is 3 commands (find outbox batches, then the drain's finds of pending comments
    // and posts): about 3 a second at the 1 s idle interval; polling every 100 ms made it about 30.
    expect(perSecond).toBeGreaterThan(0); // it does keep polling: other instances' writes get out
    expect(perSecond).toBeLessThanOrEqual(8);
  });

  it('publishes the event of every mutation right away, not at the next idle poll', async () => {
    let postId = '';
    const latencies = [
      await publishLatency('PostCreated', async () => {
        postId = (await createPostAs(gql, alice, { title: 'Relayed', tags: ['relay'] })).id;
        return postId;
      }),
      await publishLatency('PostUpdated', async () => {
        dataOf(
          await gql(
            `mutation ($id: ID!) { updatePost(id: $id, input: { title: "Relayed, revised" }) { id } }`,
            { id: postId },
            alice,
          ),
        );
        return postId;
      }),
      await publishLatency('CommentAdded', async () => {
        const result = await gql<{ addComment: { id: string } }>(
          `mutation ($postId: ID!) { addComment(postId: $postId, body: "Quick") { id } }`,
          { postId },
          bob,
        );
        return dataOf(result).addComment.id;
      }),
      await publishLatency('PostDeleted', async () => {
        dataOf(await gql(`mutation ($id: ID!) { deletePost(id: $id) { deleted } }`, { id: postId }, alice));
        return postId;
      }),
    ];
    // Each write came just after an idle poll: without the nudge its event would wait about a
    // second. Nudged, it takes the write itself plus at most the 100 ms between two polls.
    for (const latency of latencies) expect(latency).toBeLessThan(600);
  });
});
