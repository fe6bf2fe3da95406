import { callAsGateway, scrapeStoreRequests } from '@aetherial/subgraph-kit';
import type { Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraph, type RunningSocial } from '../src/subgraph.js';
import { addFollows, createUsers } from './graph-fixtures.js';
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
const users = Array.from({ length: 6 }, (_, index) => id(`user${index}`));
const viewer = id('viewer');
let driver: Driver;
let counter: QueryCounter;
let social: RunningSocial;

beforeAll(async () => {
  driver = connectDriver();
  // The test's own count, by a proxy around the driver, next to the one /metrics shows.
  const counting = countingDriver(driver);
  counter = counting.counter;
  social = await createSubgraph(testConfig(), { driver: counting.driver });
  await createUsers(driver, [viewer, ...users]);
  await addFollows(driver, [
    ...users.slice(0, 3).map((user) => [viewer, user] as [string, string]),
    ...users.slice(1).map((user) => [user, users[0]!] as [string, string]),
  ]);
});

afterAll(async () => {
  await deleteTestNodes(driver, prefix);
  await social?.stop();
  await driver?.close();
});

/** What one GraphQL request moved `store_requests_total{store="neo4j"}` by, and the proxy's count. */
async function measure(query: string, variables: Record<string, unknown>) {
  const before = await scrapeStoreRequests(social.url, 'neo4j');
  counter.reset();
  const result = await callAsGateway(social, query, variables, viewer);
  const queries = counter.count;
  const after = await scrapeStoreRequests(social.url, 'neo4j');
  expect(result.errors).toBeUndefined();
  return { data: result.data, queries, trips: after - before };
}

describe('store_requests_total{store="neo4j"} on /metrics', () => {
  it('moves by the three queries of counts, viewerFollows and followers pages of many users', async () => {
    const { data, queries, trips } = await measure(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User {
        id followerCount viewerFollows followers(first: 2) { totalCount edges { node { id } } } } } }`,
      { reps: users.map((userId) => ({ __typename: 'User', id: userId })) },
    );
    const first = (data as { _entities: { followerCount: number; viewerFollows: boolean }[] })._entities[0];
    expect(first).toMatchObject({ followerCount: 6, viewerFollows: true });
    // As batching.test.ts establishes: counts (also serving totalCount), viewerFollows, followers pages.
    expect(queries).toBe(3);
    expect(trips).toBe(3);
  });

  it('moves by the two queries of a follow: the write, then the follower count it returns', async () => {
    const { data, queries, trips } = await measure(
      `mutation($userId: ID!) { follow(userId: $userId) { user { id followerCount } viewerFollows } }`,
      { userId: users[5] },
    );
    expect(data).toMatchObject({ follow: { user: { followerCount: 1 }, viewerFollows: true } });
    expect(queries).toBe(2);
    expect(trips).toBe(2);
  });
});
