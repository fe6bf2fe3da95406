import { seededRandom } from '@aetherial/subgraph-kit';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContent } from '../src/seed.js';
import { connectStore, type BatchReads } from '../src/store.js';
import type { ContentSubgraph } from '../src/subgraph.js';
import {
  dataOf,
  dropTestDatabase,
  gqlFor,
  newUserId,
  startTestSubgraph,
  TEST_DB,
  testConfig,
  watchCommands,
  type Gql,
} from './helpers.js';

const STRATEGIES: readonly BatchReads[] = ['in', 'point'];

/** One subgraph per batch-read strategy, both over the same test database. */
const subgraphs = new Map<BatchReads, ContentSubgraph>();
let postIds: string[];
const authors = Array.from({ length: 10 }, () => newUserId());
/** An author with a long list of posts, and one with a single post that has a long list of comments. */
const prolific = newUserId();
const chatty = newUserId();
let busyPost: string;

beforeAll(async () => {
  await dropTestDatabase();
  for (const strategy of STRATEGIES) {
    subgraphs.set(strategy, await startTestSubgraph({ CONTENT_BATCH_READS: strategy }));
  }
  postIds = await seedContent({
    store: subgraphs.get('in')!.store,
    authorIds: authors,
    posts: 120,
    commentsPerPost: 3,
    draftShare: 0,
    random: seededRandom(7),
    now: new Date('2025-06-01T00:00:00.000Z'),
  });
  // Older than every post above, so they stay out of the first pages of `posts`.
  const old = new Date('2020-01-01T00:00:00.000Z');
  const store = subgraphs.get('in')!.store;
  await seedContent({
    store,
    authorIds: [prolific],
    posts: 40,
    draftShare: 0,
    now: old,
    random: seededRandom(11),
  });
  [busyPost] = (await seedContent({
    store,
    authorIds: [chatty],
    posts: 1,
    commentsPerPost: 40,
    draftShare: 0,
    now: old,
    random: seededRandom(12),
  })) as [string];
});
afterAll(async () => {
  for (const subgraph of subgraphs.values()) await subgraph.stop();
});

/** `count` copies of a command name: the round of a 'point' batch. */
const times = (count: number, name: string) => Array.from({ length: count }, () => name);

interface ListedPost {
  id: string;
  title: string;
  commentCount: number;
  author: { id: string };
  comments: { edges: { node: { id: string; author: { id: string } } }[] };
}

const LIST = `query List($first: Int) { posts(first: $first) { edges { node {
  id title commentCount author { id } comments(first: 2) { edges { node { id author { id } } } } } } } }`;

describe('batch reads', () => {
  it("are detected at connect time: 'point' on FerretDB (the stack here)", async () => {
    const store = await connectStore(testConfig().MONGODB_URL, { dbName: TEST_DB, batchReads: 'auto' });
    try {
      expect(store.batchReads).toBe('point');
    } finally {
      await store.close();
    }
    // The configured strategy is what the subgraph's store uses.
    expect(subgraphs.get('in')!.store.batchReads).toBe('in');
    expect(subgraphs.get('point')!.store.batchReads).toBe('point');
  });
});

/**
 * Round trips per request, counted at the driver boundary. With 'in' a batch of N parents costs
 * one command whatever N; with 'point' it costs N commands, all sent before the first answers.
 */
describe.each(STRATEGIES)("DataLoader round trips with '%s' batch reads", (strategy) => {
  let gql: Gql;
  let watch: ReturnType<typeof watchCommands>;
  const perStrategy = <T>(expected: Record<BatchReads, T>): T => expected[strategy];

  beforeAll(() => {
    const subgraph = subgraphs.get(strategy)!;
    gql = gqlFor(subgraph);
    watch = watchCommands(subgraph.store);
  });
  afterAll(() => watch.stop());

  it('lists 100 posts with counts, authors and first comments in a fixed number of rounds', async () => {
    const small = await watch.during(() =>
      gql<{ posts: { edges: { node: ListedPost }[] } }>(LIST, { first: 5 }, null),
    );
    const large = await watch.during(() =>
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
    // One find for the page, then every post's first comments: one $in find, or a find per post.
    expect(small.rounds).toEqual(
      perStrategy({ in: [['find'], ['find']], point: [['find'], times(5, 'find')] }),
    );
    expect(large.rounds).toEqual(
      perStrategy({ in: [['find'], ['find']], point: [['find'], times(100, 'find')] }),
    );
  });

  it('resolves 100 Post references in one round', async () => {
    const QUERY = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { id title commentCount author { id } } } }`;
    const reps = (count: number) => postIds.slice(0, count).map((id) => ({ __typename: 'Post', id }));
    const small = await watch.during(() =>
      gql<{ _entities: { id: string }[] }>(QUERY, { reps: reps(5) }, null),
    );
    const large = await watch.during(() =>
      gql<{ _entities: { id: string }[] }>(QUERY, { reps: reps(100) }, null),
    );
    expect(dataOf(large.result)._entities.map((post) => post.id)).toEqual(postIds.slice(0, 100));
    expect(small.rounds).toEqual(perStrategy({ in: [['find']], point: [times(5, 'find')] }));
    expect(large.rounds).toEqual(perStrategy({ in: [['find']], point: [times(100, 'find')] }));
  });

  it('resolves Comment references with their posts in two rounds, whatever their number', async () => {
    const store = subgraphs.get(strategy)!.store;
    const comments = await store.comments
      .find({ postId: { $in: postIds.map((id) => new Types.ObjectId(id)) } })
      .select({ _id: 1, postId: 1 })
      .limit(90)
      .lean()
      .exec();
    const QUERY = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Comment { id body post { id title } } } }`;
    const reps = (count: number) =>
      comments.slice(0, count).map((comment) => ({ __typename: 'Comment', id: comment._id.toHexString() }));
    const postsOf = (count: number) =>
      new Set(comments.slice(0, count).map((comment) => comment.postId.toHexString())).size;
    const small = await watch.during(() =>
      gql<{ _entities: { post: { id: string } }[] }>(QUERY, { reps: reps(3) }, null),
    );
    const large = await watch.during(() =>
      gql<{ _entities: { post: { id: string } }[] }>(QUERY, { reps: reps(90) }, null),
    );
    expect(dataOf(large.result)._entities.every((comment) => postIds.includes(comment.post.id))).toBe(true);
    // The comments, then their posts (each distinct post once).
    expect(small.rounds).toEqual(
      perStrategy({ in: [['find'], ['find']], point: [times(3, 'find'), times(postsOf(3), 'find')] }),
    );
    expect(large.rounds).toEqual(
      perStrategy({ in: [['find'], ['find']], point: [times(90, 'find'), times(postsOf(90), 'find')] }),
    );
  });

  it('answers User.postCount and User.posts for many users in a fixed number of rounds', async () => {
    const QUERY = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id postCount posts(first: 3) { edges { node { id author { id } } } } } } }`;
    const reps = (count: number) => authors.slice(0, count).map((id) => ({ __typename: 'User', id }));
    type Users = { _entities: { id: string; postCount: number; posts: { edges: unknown[] } }[] };
    const small = await watch.during(() => gql<Users>(QUERY, { reps: reps(2) }, null));
    const large = await watch.during(() => gql<Users>(QUERY, { reps: reps(10) }, null));
    const users = dataOf(large.result)._entities;
    expect(users.reduce((sum, user) => sum + user.postCount, 0)).toBe(120);
    for (const user of users) expect(user.posts.edges).toHaveLength(Math.min(3, user.postCount));
    // 'in': one $group for the counts, then one $in find for every author's first page.
    // 'point': a count and a limited find per author, all at once.
    const pointRound = (users: number) => [[...times(users, 'aggregate'), ...times(users, 'find')]];
    expect(small.rounds).toEqual(perStrategy({ in: [['aggregate'], ['find']], point: pointRound(2) }));
    expect(large.rounds).toEqual(perStrategy({ in: [['aggregate'], ['find']], point: pointRound(10) }));
  });

  it('gives a parent with a long list its own limited query instead of fetching all its rows', async () => {
    const store = subgraphs.get(strategy)!.store;
    const USERS = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { postCount posts(first: 3) { edges { node { id } } } } } }`;
    const users = await watch.during(() =>
      gql<{ _entities: { postCount: number; posts: { edges: { node: { id: string } }[] } }[] }>(
        USERS,
        { reps: [prolific, authors[0], authors[1]].map((id) => ({ __typename: 'User', id })) },
        null,
      ),
    );
    const [prolificUser] = dataOf(users.result)._entities;
    expect(prolificUser?.postCount).toBe(40);
    const newest = await store.posts
      .find({ authorId: prolific })
      .sort({ createdAt: -1, _id: -1 })
      .limit(3)
      .lean()
      .exec();
    expect(prolificUser?.posts.edges.map((edge) => edge.node.id)).toEqual(
      newest.map((post) => post._id.toHexString()),
    );
    // 'in': the $group, the shared find for the two short lists, one limited find for the long one.
    expect(users.rounds).toEqual(
      perStrategy({
        in: [['aggregate'], ['find'], ['find']],
        point: [[...times(3, 'aggregate'), ...times(3, 'find')]],
      }),
    );

    const POSTS = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { commentCount comments(first: 2) { edges { node { body } } } } } }`;
    const posts = await watch.during(() =>
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
    expect(posts.rounds).toEqual(
      perStrategy({ in: [['find'], ['find'], ['find']], point: [times(3, 'find'), times(3, 'find')] }),
    );
  });
});

describe("'in' and 'point' batch reads", () => {
  const writers = Array.from({ length: 3 }, () => newUserId());
  const stranger = newUserId();
  let posts: { id: string; authorId: string; status: string }[];
  let deleted: string[];
  let commentIds: string[];

  beforeAll(async () => {
    const store = subgraphs.get('in')!.store;
    const ids = await seedContent({
      store,
      authorIds: writers,
      posts: 18,
      commentsPerPost: 2,
      draftShare: 0.4,
      now: new Date('2019-01-01T00:00:00.000Z'),
      random: seededRandom(13),
    });
    const rows = await store.posts
      .find({ authorId: { $in: writers } })
      .select({ authorId: 1, status: 1 })
      .lean()
      .exec();
    posts = rows.map((row) => ({ id: row._id.toHexString(), authorId: row.authorId, status: row.status }));
    expect(posts).toHaveLength(ids.length);
    // One published post and one draft of the first writer are deleted (by their author).
    const ofFirst = posts.filter((post) => post.authorId === writers[0]);
    const toDelete = ['PUBLISHED', 'DRAFT'].map(
      (status) => ofFirst.find((post) => post.status === status)!.id,
    );
    const gql = gqlFor(subgraphs.get('in')!);
    for (const id of toDelete) {
      dataOf(await gql(`mutation D($id: ID!) { deletePost(id: $id) { deleted } }`, { id }, writers[0]));
    }
    deleted = toDelete;
    const comments = await store.comments
      .find({ postId: { $in: ids.map((id) => new Types.ObjectId(id)) } })
      .select({ _id: 1 })
      .lean()
      .exec();
    commentIds = comments.map((comment) => comment._id.toHexString());
  });

  const POSTS = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post {
    id status title commentCount author { id } comments(first: 5) { edges { cursor node { id body } } } } } }`;
  const COMMENTS = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Comment {
    id body post { id status } } } }`;
  const USERS = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on User {
    id postCount posts(first: 3) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } } } }`;

  type Entities<T> = { _entities: (T | null)[] };
  const ask = async <T>(strategy: BatchReads, query: string, reps: object[], viewer: string | null) =>
    dataOf(await gqlFor(subgraphs.get(strategy)!)<Entities<T>>(query, { reps }, viewer))._entities;
  /** The same request through both subgraphs: the answers must be identical. */
  const both = async <T>(query: string, reps: object[], viewer: string | null) => {
    const [viaIn, viaPoint] = await Promise.all(
      STRATEGIES.map((strategy) => ask<T>(strategy, query, reps, viewer)),
    );
    expect(viaPoint).toEqual(viaIn);
    return viaIn!;
  };

  it('answer the same, with drafts only for their author and deleted posts for nobody', async () => {
    expect(posts.some((post) => post.status === 'DRAFT')).toBe(true);
    const visibleTo = (viewer: string | null) =>
      posts.filter(
        (post) => !deleted.includes(post.id) && (post.status === 'PUBLISHED' || post.authorId === viewer),
      );
    for (const viewer of [null, writers[0]!, stranger]) {
      const postReps = posts.map((post) => ({ __typename: 'Post', id: post.id }));
      const seenPosts = await both<{ id: string; comments: { edges: unknown[] } }>(POSTS, postReps, viewer);
      const visible = visibleTo(viewer).map((post) => post.id);
      expect(seenPosts.filter((post) => post !== null).map((post) => post.id)).toEqual(
        posts.map((post) => post.id).filter((id) => visible.includes(id)),
      );
      for (const post of seenPosts) if (post) expect(post.comments.edges).toHaveLength(2);

      const commentReps = commentIds.map((id) => ({ __typename: 'Comment', id }));
      const seenComments = await both<{ post: { id: string } }>(COMMENTS, commentReps, viewer);
      expect(seenComments.filter((comment) => comment !== null)).toHaveLength(visible.length * 2);
      for (const comment of seenComments) if (comment) expect(visible).toContain(comment.post.id);

      const userReps = [...writers, stranger].map((id) => ({ __typename: 'User', id }));
      const seenUsers = await both<{ postCount: number; posts: { edges: { node: { id: string } }[] } }>(
        USERS,
        userReps,
        viewer,
      );
      expect(seenUsers.map((user) => user?.postCount)).toEqual(
        [...writers, stranger].map((id) => visibleTo(viewer).filter((post) => post.authorId === id).length),
      );
      for (const user of seenUsers) {
        for (const edge of user?.posts.edges ?? []) expect(visible).toContain(edge.node.id);
      }
    }
  });
});
