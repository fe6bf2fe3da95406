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

const authors = Array.from({ length: 4 }, () => newUserId());

beforeAll(async () => {
  await dropTestDatabase();
  const subgraph = await startTestSubgraph({ CONTENT_BATCH_READS: 'in' });
  await seedContent({
    store: subgraph.store,
    authorIds: authors,
    posts: 12,
    commentsPerPost: 2,
    draftShare: 0,
    random: seededRandom(3),
    now: new Date('2025-06-01T00:00:00.000Z'),
  });
  await subgraph.stop();
});

const LIST = `query List($first: Int) { posts(first: $first) { edges { node {
  id title commentCount author { id } comments(first: 2) { edges { node { id } } } } } } }`;

describe.each(['in', 'point'] as const)(
  'store_requests_total{store="mongodb"} on /metrics with %s batch reads',
  (strategy) => {
    let subgraph: ContentSubgraph;
    let gql: Gql;
    const commands: string[] = [];

    beforeAll(async () => {
      subgraph = await startTestSubgraph({ CONTENT_BATCH_READS: strategy });
      gql = gqlFor(subgraph);
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

    it('moves by the finds a page of posts with their first comments costs', async () => {
      const {
        result,
        commands: sent,
        trips,
      } = await measure(() => gql<{ posts: { edges: unknown[] } }>(LIST, { first: 5 }, null));
      expect(dataOf(result).posts.edges).toHaveLength(5);
      // One find for the page, then the first comments: one $in find for every post, or one find a
      // post (as loaders.test.ts).
      const finds = { in: 2, point: 1 + 5 }[strategy];
      expect(sent).toEqual(Array.from({ length: finds }, () => 'find'));
      expect(trips).toBe(finds);
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
  },
);
