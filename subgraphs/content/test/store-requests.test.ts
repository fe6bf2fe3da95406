import { scrapeStoreRequests, seededRandom } from '@aetherial/subgraph-kit';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContent } from '../src/seed.js';
import type { ContentSubgraph } from '../src/subgraph.js';
import {
  CREATE_POST,
  dataOf,
  dropTestDatabase,
  gqlFor,
  newUserId,
  startTestSubgraph,
  type Gql,
} from './helpers.js';

let subgraph: ContentSubgraph;
let gql: Gql;
const authors = Array.from({ length: 4 }, () => newUserId());
const commands: string[] = [];

beforeAll(async () => {
  await dropTestDatabase();
  subgraph = await startTestSubgraph();
  gql = gqlFor(subgraph);
  await seedContent({
    store: subgraph.store,
    authorIds: authors,
    posts: 12,
    commentsPerPost: 2,
    draftShare: 0,
    random: seededRandom(3),
    now: new Date('2025-06-01T00:00:00.000Z'),
  });
  // Every command the subgraph's connection sends, seen by a listener of the test's own.
  subgraph.store.connection.getClient().on('commandStarted', (event: CommandStartedEvent) => {
    commands.push(event.commandName);
  });
});
afterAll(async () => {
  await subgraph?.stop();
});

/** What one GraphQL request moved `store_requests_total{store="mongodb"}` by, and its commands. */
async function measure<T>(request: () => Promise<T>) {
  const before = await scrapeStoreRequests(subgraph.url, 'mongodb');
  commands.length = 0;
  const result = await request();
  const sent = [...commands];
  const after = await scrapeStoreRequests(subgraph.url, 'mongodb');
  return { result, commands: sent, trips: after - before };
}

const LIST = `query List($first: Int) { posts(first: $first) { edges { node {
  id title commentCount author { id } comments(first: 2) { edges { node { id } } } } } } }`;

describe('store_requests_total{store="mongodb"} on /metrics', () => {
  it('moves by the two finds a page of posts with their first comments costs', async () => {
    const {
      result,
      commands: sent,
      trips,
    } = await measure(() => gql<{ posts: { edges: unknown[] } }>(LIST, { first: 5 }, null));
    expect(dataOf(result).posts.edges).toHaveLength(5);
    // One find for the page, one $in find for every post's first comments (as loaders.test.ts).
    expect(sent).toEqual(['find', 'find']);
    expect(trips).toBe(2);
  });

  it('moves by the one insert that writes a new post with its pending event', async () => {
    const {
      result,
      commands: sent,
      trips,
    } = await measure(() =>
      gql(CREATE_POST, { input: { title: 'Counted', body: 'One post, its event.' } }, authors[0]),
    );
    dataOf(result);
    expect(sent).toEqual(['insert']);
    expect(trips).toBe(1);
  });
});
