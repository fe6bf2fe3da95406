import { parseEventFields } from '@aetherial/events';
import { callAsGateway } from '@aetherial/subgraph-kit';
import type { Driver } from 'neo4j-driver';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../src/neo4j.js';
import { createSubgraph, type RunningSocial } from '../src/subgraph.js';
import { createPosts, createUsers } from './graph-fixtures.js';
import { connectDriver, connectRedis, deleteTestNodes, newPrefix, testConfig, waitFor } from './helpers.js';

const prefix = newPrefix();
const id = (name: string) => `${prefix}${name}`;
const stream = `aetherial:test:${prefix}events`;
let driver: Driver;
let redis: Redis;
let social: RunningSocial;

beforeAll(async () => {
  driver = connectDriver();
  redis = connectRedis();
  social = await createSubgraph(testConfig({ SOCIAL_RELAY: 'true', EVENTS_STREAM: stream }), { driver });
  await createUsers(driver, [id('viewer'), id('author')]);
  await createPosts(driver, [
    { id: id('post'), authorId: id('author'), createdAt: '2025-06-01T10:00:00.000Z' },
  ]);
});

afterAll(async () => {
  await social?.stop();
  await redis.del(stream);
  redis.disconnect();
  await deleteTestNodes(driver, prefix);
  await driver?.close();
});

const call = (query: string, variables: Record<string, unknown>) =>
  callAsGateway(social, query, variables, id('viewer'));

const published = async () =>
  (await redis.xrange(stream, '-', '+')).map(([, fields]) => {
    const event = parseEventFields(fields);
    return {
      type: event.type,
      entity: event.entity,
      entityId: event.entityId,
      payload: event.payload,
      cacheTags: event.cacheTags,
    };
  });

describe('social’s own events', () => {
  it('publishes one event per change of a like or follow, none for a repeat, through the Neo4j outbox', async () => {
    const like = `mutation($postId: ID!) { likePost(postId: $postId) { viewerHasLiked } }`;
    const unlike = `mutation($postId: ID!) { unlikePost(postId: $postId) { viewerHasLiked } }`;
    const follow = `mutation($userId: ID!) { follow(userId: $userId) { viewerFollows } }`;
    for (const [query, variables] of [
      [like, { postId: id('post') }],
      [like, { postId: id('post') }],
      [unlike, { postId: id('post') }],
      [unlike, { postId: id('post') }],
      [follow, { userId: id('author') }],
      [follow, { userId: id('author') }],
    ] as const) {
      expect((await call(query, variables)).errors).toBeUndefined();
    }
    const events = await waitFor(async () => {
      const seen = await published();
      return seen.length >= 3 && seen;
    });
    const like1 = { postId: id('post'), userId: id('viewer') };
    // What each change makes stale in the gateway's cache: the liked post; both users and the follower's feed.
    const likeTags = [`Post:${id('post')}`];
    expect(events).toEqual([
      {
        type: 'PostLiked',
        entity: 'Like',
        entityId: `${id('post')}:${id('viewer')}`,
        payload: like1,
        cacheTags: likeTags,
      },
      {
        type: 'PostUnliked',
        entity: 'Like',
        entityId: `${id('post')}:${id('viewer')}`,
        payload: like1,
        cacheTags: likeTags,
      },
      {
        type: 'UserFollowed',
        entity: 'Follow',
        entityId: `${id('viewer')}:${id('author')}`,
        payload: { followerId: id('viewer'), followeeId: id('author') },
        cacheTags: [`User:${id('viewer')}`, `User:${id('viewer')}.feed`, `User:${id('author')}`],
      },
    ]);
    // Published events leave the outbox (just after their XADD); nothing else of this stream waits there.
    const waiting = () =>
      new Graph(driver).read<{ n: number }>(
        'MATCH (event:OutboxEvent {stream: $stream}) RETURN count(event) AS n',
        {
          stream,
        },
      );
    await waitFor(async () => (await waiting())[0]?.n === 0);
    expect(await published()).toHaveLength(3);
  });
});
