import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAsGateway } from '@aetherial/subgraph-kit';
import type { Driver } from 'neo4j-driver';
import { Graph } from '../src/neo4j.js';
import { createSubgraph, type RunningSocial } from '../src/subgraph.js';
import { addFollows, createPosts, createUsers } from './graph-fixtures.js';
import {
  connectDriver,
  countingDriver,
  deleteTestNodes,
  newPrefix,
  testConfig,
  type QueryCounter,
} from './helpers.js';

const prefix = newPrefix();
const id = (name: string) => `${prefix}${name}`;
const posts = Array.from({ length: 100 }, (_, index) => id(`post${index}`));
const users = Array.from({ length: 100 }, (_, index) => id(`user${index}`));
const viewer = id('viewer');
let driver: Driver;
let counter: QueryCounter;
let social: RunningSocial;

beforeAll(async () => {
  driver = connectDriver();
  const counting = countingDriver(driver);
  counter = counting.counter;
  social = await createSubgraph(testConfig(), { driver: counting.driver });
  await createUsers(driver, [viewer, ...users]);
  await createPosts(
    driver,
    posts.map((postId, index) => ({
      id: postId,
      authorId: users[index]!,
      createdAt: '2025-05-01T00:00:00.000Z',
    })),
  );
  await new Graph(driver).write(
    `UNWIND range(0, size($posts) - 1) AS index
     MATCH (post:Post {id: $posts[index]}), (user:User) WHERE user.id IN $users[0..index % 7 + 1]
     MERGE (user)-[:LIKED]->(post)`,
    { posts, users },
  );
  await addFollows(driver, [
    ...users.slice(0, 30).map((user) => [viewer, user] as [string, string]),
    ...users.slice(1, 40).map((user) => [user, users[0]!] as [string, string]),
  ]);
});

afterAll(async () => {
  await deleteTestNodes(driver, prefix);
  await social?.stop();
  await driver?.close();
});

/** Round trips to Neo4j of one request, counted at the driver. */
async function roundTrips(
  query: string,
  variables: Record<string, unknown>,
): Promise<{ trips: number; data: unknown }> {
  counter.reset();
  const result = await callAsGateway(social, query, variables, viewer);
  expect(result.errors).toBeUndefined();
  return { trips: counter.count, data: result.data };
}

describe('one Neo4j round trip per loader, whatever the number of entities', () => {
  it('likeCount + viewerHasLiked of 5 and of 100 posts', async () => {
    const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { id likeCount viewerHasLiked } } }`;
    const few = await roundTrips(query, {
      reps: posts.slice(0, 5).map((postId) => ({ __typename: 'Post', id: postId })),
    });
    const many = await roundTrips(query, {
      reps: posts.map((postId) => ({ __typename: 'Post', id: postId })),
    });
    expect(few.trips).toBe(2);
    expect(many.trips).toBe(few.trips);
    const entities = (many.data as { _entities: { id: string; likeCount: number }[] })._entities;
    expect(entities.map((entity) => entity.likeCount)).toEqual(posts.map((_, index) => (index % 7) + 1));
  });

  it('counts, viewerFollows and first followers of 5 and of 100 users', async () => {
    const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User {
      id followerCount followingCount viewerFollows followers(first: 2) { totalCount edges { node { id } } } } } }`;
    const few = await roundTrips(query, {
      reps: users.slice(0, 5).map((userId) => ({ __typename: 'User', id: userId })),
    });
    const many = await roundTrips(query, {
      reps: users.map((userId) => ({ __typename: 'User', id: userId })),
    });
    expect(few.trips).toBe(3); // counts (also serving totalCount), viewerFollows, followers pages
    expect(many.trips).toBe(few.trips);
    const first = (
      many.data as {
        _entities: {
          followerCount: number;
          viewerFollows: boolean;
          followers: { totalCount: number; edges: unknown[] };
        }[];
      }
    )._entities[0]!;
    expect(first).toMatchObject({ followerCount: 40, viewerFollows: true, followers: { totalCount: 40 } });
    expect(first.followers.edges).toHaveLength(2);
  });

  it('feed with likes of 5 and of 30 posts', async () => {
    const query = `query($first: Int) { feed(first: $first) { edges { node { id likeCount viewerHasLiked } } } }`;
    const few = await roundTrips(query, { first: 5 });
    const many = await roundTrips(query, { first: 30 });
    expect((many.data as { feed: { edges: unknown[] } }).feed.edges).toHaveLength(30);
    expect(few.trips).toBe(3);
    expect(many.trips).toBe(few.trips);
  });
});
