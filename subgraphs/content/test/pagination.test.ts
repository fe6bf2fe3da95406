import { encodeCursor } from '@aetherial/subgraph-kit';
import { Types } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ContentSubgraph } from '../src/subgraph.js';
import {
  clearCollections,
  createPostAs,
  dataOf,
  dropTestDatabase,
  errorOf,
  gqlFor,
  newUserId,
  startTestSubgraph,
  type Gql,
} from './helpers.js';

let subgraph: ContentSubgraph;
let gql: Gql;
const alice = newUserId();
const bob = newUserId();

beforeAll(async () => {
  await dropTestDatabase();
  subgraph = await startTestSubgraph();
  gql = gqlFor(subgraph);
});
afterAll(async () => {
  await subgraph?.stop();
});
beforeEach(async () => {
  await clearCollections(subgraph);
});

interface Page {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

const LIST = `query List($first: Int, $after: String, $filter: PostFilter) {
  posts(first: $first, after: $after, filter: $filter) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
}`;

/**
 * Posts written straight into the store, many sharing a createdAt, so pages must break ties on _id.
 * Returns their ids in the order the API must list them (createdAt desc, _id desc).
 */
async function insertPostsWithTies(
  count: number,
  authorOf: (i: number) => string,
  tagOf: (i: number) => string[] = () => [],
) {
  const base = Date.parse('2025-03-01T00:00:00.000Z');
  const docs = Array.from({ length: count }, (_, i) => {
    const createdAt = new Date(base + Math.floor(i / 6) * 1000);
    return {
      _id: new Types.ObjectId(),
      authorId: authorOf(i),
      title: `Post ${i}`,
      body: '',
      tags: tagOf(i),
      status: 'PUBLISHED' as const,
      version: 1,
      createdAt,
      updatedAt: createdAt,
      commentCount: 0,
      deletedAt: null,
      pendingEvents: [],
      hasPendingEvents: false,
    };
  });
  await subgraph.store.posts.insertMany(docs);
  return docs
    .sort(
      (a, b) =>
        b.createdAt.getTime() - a.createdAt.getTime() || (b._id.toHexString() > a._id.toHexString() ? 1 : -1),
    )
    .map((doc) => doc._id.toHexString());
}

async function walk(
  first: number,
  filter: Record<string, unknown> = {},
  viewer: string | null = null,
  between?: () => Promise<void>,
) {
  const seen: string[] = [];
  let after: string | null = null;
  for (let pageNumber = 0; pageNumber < 100; pageNumber += 1) {
    const page: Page = dataOf(await gql<{ posts: Page }>(LIST, { first, after, filter }, viewer)).posts;
    expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
    expect(page.edges.length).toBeLessThanOrEqual(first);
    seen.push(...page.edges.map((edge) => edge.node.id));
    if (!page.pageInfo.hasNextPage) return seen;
    expect(page.edges).toHaveLength(first);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
    after = page.pageInfo.endCursor;
    await between?.();
  }
  throw new Error('pagination did not end');
}

describe('posts pagination', () => {
  it('walks every post exactly once, newest first, across createdAt ties', async () => {
    const expected = await insertPostsWithTies(40, (i) => (i % 2 ? alice : bob));
    expect(await walk(7)).toEqual(expected);
    expect(await walk(40)).toEqual(expected);
    expect(await walk(100)).toEqual(expected);
  });

  it('is not disturbed by posts created while paging', async () => {
    const expected = await insertPostsWithTies(25, () => alice);
    const added: string[] = [];
    const seen = await walk(6, {}, null, async () => {
      added.push((await createPostAs(gql, bob, { title: `Fresh ${added.length}` })).id);
    });
    // New posts are newer than the cursor: they appear on a fresh first page, never mid-walk.
    expect(seen).toEqual(expected);
    expect((await walk(100)).slice(0, added.length)).toEqual([...added].reverse());
  });

  it('pages filtered lists (author, tag) without gaps', async () => {
    const all = await insertPostsWithTies(
      30,
      (i) => (i % 3 === 0 ? alice : bob),
      (i) => (i % 2 === 0 ? ['even', 'all'] : ['all']),
    );
    const docs = await subgraph.store.posts.find().lean().exec();
    const byId = new Map(docs.map((doc) => [doc._id.toHexString(), doc]));
    expect(await walk(4, { authorId: alice })).toEqual(all.filter((id) => byId.get(id)?.authorId === alice));
    expect(await walk(4, { tag: 'EVEN' })).toEqual(all.filter((id) => byId.get(id)?.tags.includes('even')));
    expect(await walk(4, { tag: 'all', authorId: bob }, alice)).toEqual(
      all.filter((id) => byId.get(id)?.authorId === bob),
    );
  });

  it('refuses bad cursors and page sizes with BAD_USER_INPUT naming the argument', async () => {
    await insertPostsWithTies(3, () => alice);
    const commentCursor = encodeCursor('Comment', ['2025-03-01T00:00:00.000Z', '0123456789abcdef01234567']);
    for (const after of [
      'garbage',
      'eyJrIjoiUG9zdCIsInAiOjF9',
      encodeCursor('Post', ['not a date', 'x']),
      encodeCursor('Post', { a: 1 }),
      commentCursor,
    ]) {
      const result = await gql(LIST, { first: 2, after }, null);
      expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    for (const first of [0, -1, 101]) {
      expect(errorOf(await gql(LIST, { first }, null))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'first',
      });
    }
  });
});

describe('comments pagination', () => {
  it('walks a post’s comments oldest first, and User.posts with a cursor', async () => {
    const post = await createPostAs(gql, alice, { title: 'Busy thread' });
    const bodies: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      bodies.push(`comment ${i}`);
      await gql(
        `mutation A($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id } }`,
        { postId: post.id, body: `comment ${i}` },
        bob,
      );
    }
    const PAGE = `query P($id: ID!, $after: String) { post(id: $id) { commentCount comments(first: 5, after: $after) {
      edges { cursor node { body } } pageInfo { hasNextPage endCursor } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: {
        post: {
          commentCount: number;
          comments: {
            edges: { node: { body: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        };
      } = dataOf(await gql(PAGE, { id: post.id, after }, null));
      expect(result.post.commentCount).toBe(12);
      seen.push(...result.post.comments.edges.map((edge) => edge.node.body));
      if (!result.post.comments.pageInfo.hasNextPage) break;
      after = result.post.comments.pageInfo.endCursor;
    }
    expect(seen).toEqual(bodies);

    const postCursor = dataOf(await gql<{ posts: Page }>(LIST, { first: 1 }, null)).posts.pageInfo.endCursor;
    expect(errorOf(await gql(PAGE, { id: post.id, after: postCursor }, null))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });

  it('pages User.posts after a cursor', async () => {
    const expected = await insertPostsWithTies(9, () => alice);
    const USER_POSTS = `query U($reps: [_Any!]!, $after: String) { _entities(representations: $reps) { ... on User {
      posts(first: 4, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: { _entities: { posts: Page }[] } = dataOf(
        await gql(USER_POSTS, { reps: [{ __typename: 'User', id: alice }], after }, null),
      );
      const page = result._entities[0]!.posts;
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });
});
