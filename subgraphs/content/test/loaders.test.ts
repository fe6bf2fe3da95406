import { seededRandom } from '@aetherial/subgraph-kit';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedContent } from '../src/seed.js';
import type { ContentSubgraph } from '../src/subgraph.js';
import { dataOf, dropTestDatabase, gqlFor, newUserId, startTestSubgraph, type Gql } from './helpers.js';

let subgraph: ContentSubgraph;
let gql: Gql;
let postIds: string[];
const authors = Array.from({ length: 10 }, () => newUserId());
const commands: string[] = [];

/** Commands that read or write data (not the driver's own hello/ping/endSessions chatter). */
const DATA_COMMANDS = new Set([
  'find',
  'aggregate',
  'count',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'getMore',
  'distinct',
]);

beforeAll(async () => {
  await dropTestDatabase();
  subgraph = await startTestSubgraph();
  gql = gqlFor(subgraph);
  postIds = await seedContent({
    store: subgraph.store,
    authorIds: authors,
    posts: 120,
    commentsPerPost: 3,
    draftShare: 0,
    random: seededRandom(7),
    now: new Date('2025-06-01T00:00:00.000Z'),
  });
  // Counted at the driver boundary: every command the subgraph's connection sends.
  subgraph.store.connection.getClient().on('commandStarted', (event: CommandStartedEvent) => {
    if (DATA_COMMANDS.has(event.commandName)) commands.push(event.commandName);
  });
});
afterAll(async () => {
  await subgraph?.stop();
});
beforeEach(() => {
  commands.length = 0;
});

async function commandsFor<T>(run: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
  commands.length = 0;
  const result = await run();
  return { result, commands: [...commands] };
}

interface ListedPost {
  id: string;
  title: string;
  commentCount: number;
  author: { id: string };
  comments: { edges: { node: { id: string; author: { id: string } } }[] };
}

const LIST = `query List($first: Int) { posts(first: $first) { edges { node {
  id title commentCount author { id } comments(first: 2) { edges { node { id author { id } } } } } } } }`;

describe('DataLoader round trips', () => {
  it('lists 100 posts with counts, authors and first comments in as many commands as 5', async () => {
    const small = await commandsFor(() =>
      gql<{ posts: { edges: { node: ListedPost }[] } }>(LIST, { first: 5 }, null),
    );
    const large = await commandsFor(() =>
      gql<{ posts: { edges: { node: ListedPost }[] } }>(LIST, { first: 100 }, null),
    );
    const nodes = dataOf(large.result).posts.edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(100);
    for (const node of nodes) {
      expect(node.commentCount).toBe(3);
      expect(node.comments.edges).toHaveLength(2);
      expect(authors).toContain(node.author.id);
    }
    expect(dataOf(small.result).posts.edges).toHaveLength(5);
    // One find for the page, one $in find for every post's first comments.
    expect(small.commands).toEqual(['find', 'find']);
    expect(large.commands).toEqual(small.commands);
  });

  it('resolves 100 Post references in as many commands as 5', async () => {
    const QUERY = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { id title commentCount author { id } } } }`;
    const reps = (count: number) => postIds.slice(0, count).map((id) => ({ __typename: 'Post', id }));
    const small = await commandsFor(() =>
      gql<{ _entities: { id: string }[] }>(QUERY, { reps: reps(5) }, null),
    );
    const large = await commandsFor(() =>
      gql<{ _entities: { id: string }[] }>(QUERY, { reps: reps(100) }, null),
    );
    expect(dataOf(large.result)._entities.map((post) => post.id)).toEqual(postIds.slice(0, 100));
    expect(small.commands).toEqual(['find']);
    expect(large.commands).toEqual(['find']);
  });

  it('resolves Comment references with their posts in two commands, whatever their number', async () => {
    const comments = await subgraph.store.comments.find().select({ _id: 1 }).limit(90).lean().exec();
    const QUERY = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Comment { id body post { id title } } } }`;
    const reps = (count: number) =>
      comments.slice(0, count).map((comment) => ({ __typename: 'Comment', id: comment._id.toHexString() }));
    const small = await commandsFor(() =>
      gql<{ _entities: { post: { id: string } }[] }>(QUERY, { reps: reps(3) }, null),
    );
    const large = await commandsFor(() =>
      gql<{ _entities: { post: { id: string } }[] }>(QUERY, { reps: reps(90) }, null),
    );
    expect(dataOf(large.result)._entities.every((comment) => postIds.includes(comment.post.id))).toBe(true);
    expect(small.commands).toEqual(['find', 'find']);
    expect(large.commands).toEqual(small.commands);
  });

  it('answers User.postCount and User.posts for many users in a fixed number of commands', async () => {
    const QUERY = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id postCount posts(first: 3) { edges { node { id author { id } } } } } } }`;
    const reps = (count: number) => authors.slice(0, count).map((id) => ({ __typename: 'User', id }));
    const small = await commandsFor(() =>
      gql<{ _entities: { id: string; postCount: number; posts: { edges: unknown[] } }[] }>(
        QUERY,
        { reps: reps(2) },
        null,
      ),
    );
    const large = await commandsFor(() =>
      gql<{ _entities: { id: string; postCount: number; posts: { edges: unknown[] } }[] }>(
        QUERY,
        { reps: reps(10) },
        null,
      ),
    );
    const users = dataOf(large.result)._entities;
    expect(users.reduce((sum, user) => sum + user.postCount, 0)).toBe(120);
    for (const user of users) expect(user.posts.edges).toHaveLength(Math.min(3, user.postCount));
    // One $group for the counts, one $in find for every author's first page.
    expect(small.commands).toEqual(['aggregate', 'find']);
    expect(large.commands).toEqual(small.commands);
  });

  it('gives a parent with a long list its own limited query instead of fetching all its rows', async () => {
    const prolific = newUserId();
    const chatty = newUserId();
    await seedContent({
      store: subgraph.store,
      authorIds: [prolific],
      posts: 40,
      draftShare: 0,
      random: seededRandom(11),
    });
    const [busyPost] = await seedContent({
      store: subgraph.store,
      authorIds: [chatty],
      posts: 1,
      commentsPerPost: 40,
      draftShare: 0,
      random: seededRandom(12),
    });

    const USERS = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { postCount posts(first: 3) { edges { node { id } } } } } }`;
    const users = await commandsFor(() =>
      gql<{ _entities: { postCount: number; posts: { edges: { node: { id: string } }[] } }[] }>(
        USERS,
        { reps: [prolific, authors[0], authors[1]].map((id) => ({ __typename: 'User', id })) },
        null,
      ),
    );
    const [prolificUser] = dataOf(users.result)._entities;
    expect(prolificUser?.postCount).toBe(40);
    const newest = await subgraph.store.posts
      .find({ authorId: prolific })
      .sort({ createdAt: -1, _id: -1 })
      .limit(3)
      .lean()
      .exec();
    expect(prolificUser?.posts.edges.map((edge) => edge.node.id)).toEqual(
      newest.map((post) => post._id.toHexString()),
    );
    // The $group, the shared find for the two short lists, and one limited find for the long one.
    expect(users.commands).toEqual(['aggregate', 'find', 'find']);

    const POSTS = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { commentCount comments(first: 2) { edges { node { body } } } } } }`;
    const posts = await commandsFor(() =>
      gql<{ _entities: { commentCount: number; comments: { edges: unknown[] } }[] }>(
        POSTS,
        { reps: [busyPost, postIds[0], postIds[1]].map((id) => ({ __typename: 'Post', id })) },
        null,
      ),
    );
    expect(
      dataOf(posts.result)._entities.map((post) => [post.commentCount, post.comments.edges.length]),
    ).toEqual([
      [40, 2],
      [3, 2],
      [3, 2],
    ]);
    expect(posts.commands).toEqual(['find', 'find', 'find']);
  });
});
