import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAsGateway } from '@aetherial/subgraph-kit';
import type { Driver } from 'neo4j-driver';
import { Graph } from '../src/neo4j.js';
import { Projection } from '../src/projection.js';
import { createSubgraph, type RunningSocial } from '../src/subgraph.js';
import { addFollows, createPosts, createUsers } from './graph-fixtures.js';
import { connectDriver, deleteTestNodes, newPrefix, testConfig } from './helpers.js';

const prefix = newPrefix();
const id = (name: string) => `${prefix}${name}`;
let driver: Driver;
let social: RunningSocial;

beforeAll(async () => {
  driver = connectDriver();
  social = await createSubgraph(testConfig(), { driver });
});

afterAll(async () => {
  await deleteTestNodes(driver, prefix);
  await social?.stop();
  await driver?.close();
});

const FEED = `query($first: Int, $after: String) { feed(first: $first, after: $after) {
  edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
interface FeedPage {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

describe('feed', () => {
  const [reader, alice, bruno, stranger] = [id('reader'), id('alice'), id('bruno'), id('stranger')];
  const expected: string[] = [];

  beforeAll(async () => {
    await createUsers(driver, [reader, alice, bruno, stranger]);
    await addFollows(driver, [
      [reader, alice],
      [reader, bruno],
    ]);
    const posts = [];
    for (let index = 0; index < 24; index += 1) {
      // Pairs of posts share a time, so the id must break ties for the order to be total.
      const createdAt = new Date(Date.UTC(2025, 2, 1, 12, Math.floor(index / 2))).toISOString();
      const post = {
        id: id(`post${String(index).padStart(2, '0')}`),
        authorId: index % 3 === 0 ? bruno : alice,
        createdAt,
      };
      posts.push(post);
    }
    await createPosts(driver, posts);
    await createPosts(driver, [
      { id: id('by-stranger'), authorId: stranger, createdAt: '2025-03-02T00:00:00.000Z' },
    ]);
    await createPosts(
      driver,
      [{ id: id('draft'), authorId: alice, createdAt: '2025-03-02T00:00:00.000Z' }],
      'DRAFT',
    );
    await createPosts(driver, [
      { id: id('deleted'), authorId: alice, createdAt: '2025-03-02T00:00:00.000Z' },
    ]);
    await new Projection(new Graph(driver)).deletePost(id('deleted'), 2);
    expected.push(
      ...[...posts]
        .sort(
          (left, right) => right.createdAt.localeCompare(left.createdAt) || right.id.localeCompare(left.id),
        )
        .map((post) => post.id),
    );
  });

  it('lists followed authors’ published posts newest first, pages without duplicates', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const result = await callAsGateway<{ feed: FeedPage }>(social, FEED, { first: 5, after }, reader);
      expect(result.errors).toBeUndefined();
      const feed: FeedPage = result.data!.feed;
      expect(feed.edges.length).toBeLessThanOrEqual(5);
      expect(feed.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(feed.pageInfo.startCursor).toBe(feed.edges[0]?.cursor ?? null);
      seen.push(...feed.edges.map((edge) => edge.node.id));
      if (!feed.pageInfo.hasNextPage) break;
      after = feed.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(24);
  });

  it('is empty for someone who follows nobody, and needs a viewer', async () => {
    const empty = await callAsGateway<{ feed: FeedPage }>(social, FEED, {}, stranger);
    expect(empty.data!.feed).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    const anonymous = await callAsGateway(social, FEED, {});
    expect(anonymous.data).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects a forged cursor', async () => {
    const result = await callAsGateway(social, FEED, { after: 'not-a-cursor' }, reader);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('likes', () => {
  const [liker, other, author] = [id('liker'), id('other'), id('author')];
  const [post, draft] = [id('liked-post'), id('liked-draft')];

  beforeAll(async () => {
    await createUsers(driver, [other, author]); // liker is unknown to the graph until the first like
    await createPosts(driver, [{ id: post, authorId: author, createdAt: '2025-04-01T00:00:00.000Z' }]);
    await createPosts(
      driver,
      [{ id: draft, authorId: author, createdAt: '2025-04-01T00:00:00.000Z' }],
      'DRAFT',
    );
  });

  const LIKE = `mutation($postId: ID!) { likePost(postId: $postId) { viewerHasLiked post { id likeCount viewerHasLiked } } }`;
  const UNLIKE = `mutation($postId: ID!) { unlikePost(postId: $postId) { viewerHasLiked post { id likeCount viewerHasLiked } } }`;
  interface LikeData {
    likePost?: {
      viewerHasLiked: boolean;
      post: { id: string; likeCount: number; viewerHasLiked: boolean };
    } | null;
    unlikePost?: {
      viewerHasLiked: boolean;
      post: { id: string; likeCount: number; viewerHasLiked: boolean };
    } | null;
  }

  it('counts a like once however often it is given, and takes it back idempotently', async () => {
    const first = await callAsGateway<LikeData>(social, LIKE, { postId: post }, liker);
    expect(first.errors).toBeUndefined();
    expect(first.data!.likePost).toEqual({
      viewerHasLiked: true,
      post: { id: post, likeCount: 1, viewerHasLiked: true },
    });
    const again = await callAsGateway<LikeData>(social, LIKE, { postId: post }, liker);
    expect(again.data!.likePost!.post.likeCount).toBe(1);
    const second = await callAsGateway<LikeData>(social, LIKE, { postId: post }, other);
    expect(second.data!.likePost!.post).toEqual({ id: post, likeCount: 2, viewerHasLiked: true });

    const unlike = await callAsGateway<LikeData>(social, UNLIKE, { postId: post }, liker);
    expect(unlike.data!.unlikePost).toEqual({
      viewerHasLiked: false,
      post: { id: post, likeCount: 1, viewerHasLiked: false },
    });
    const unlikeAgain = await callAsGateway<LikeData>(social, UNLIKE, { postId: post }, liker);
    expect(unlikeAgain.errors).toBeUndefined();
    expect(unlikeAgain.data!.unlikePost!.post.likeCount).toBe(1);

    const asOther = await callAsGateway<{ _entities: { likeCount: number; viewerHasLiked: boolean }[] }>(
      social,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { likeCount viewerHasLiked } } }`,
      { reps: [{ __typename: 'Post', id: post }] },
      other,
    );
    expect(asOther.data!._entities).toEqual([{ likeCount: 1, viewerHasLiked: true }]);
  });

  it('answers NOT_FOUND for a post the projection does not hold or the viewer cannot see', async () => {
    for (const postId of [id('no-such-post'), draft]) {
      const result = await callAsGateway<LikeData>(social, LIKE, { postId }, liker);
      expect(result.data?.likePost).toBeNull();
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', id: postId });
    }
    // The author may like their own draft.
    const own = await callAsGateway<LikeData>(social, LIKE, { postId: draft }, author);
    expect(own.data!.likePost!.post.likeCount).toBe(1);
  });

  it('needs a viewer, and says false for an anonymous viewerHasLiked', async () => {
    const result = await callAsGateway<LikeData>(social, LIKE, { postId: post }, null);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const anonymous = await callAsGateway<{ _entities: { likeCount: number; viewerHasLiked: boolean }[] }>(
      social,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { likeCount viewerHasLiked } } }`,
      {
        reps: [
          { __typename: 'Post', id: post },
          { __typename: 'Post', id: id('unknown') },
        ],
      },
    );
    expect(anonymous.data!._entities).toEqual([
      { likeCount: 1, viewerHasLiked: false },
      { likeCount: 0, viewerHasLiked: false },
    ]);
  });
});
