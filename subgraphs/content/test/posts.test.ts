import { signAsGateway } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ContentSubgraph } from '../src/subgraph.js';
import {
  clearCollections,
  createPostAs,
  CREATE_POST,
  dataOf,
  dropTestDatabase,
  errorOf,
  gqlFor,
  newUserId,
  startTestSubgraph,
  type Gql,
  type PostView,
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

const POST = `query Post($id: ID!) { post(id: $id) { id title body tags status commentCount author { id } } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id title body tags status createdAt updatedAt } }`;
const DELETE = `mutation Delete($id: ID!) { deletePost(id: $id) { id deleted } }`;
const ADD_COMMENT = `mutation Add($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id body createdAt author { id } post { id commentCount } } }`;

describe('createPost', () => {
  it('needs a viewer', async () => {
    const result = await gql(CREATE_POST, { input: { title: 'Hello', body: '' } }, null);
    expect(errorOf(result).code).toBe('UNAUTHENTICATED');
    expect(await subgraph.store.posts.countDocuments()).toBe(0);
  });

  it('stores a post with a trimmed title and normalised tags, published by default', async () => {
    const post = await createPostAs(gql, alice, {
      title: '  Keyset pagination in MongoDB  ',
      body: 'Offsets get slow on deep pages.',
      tags: ['Databases', ' MongoDB ', 'databases', 'node.js'],
    });
    expect(post).toMatchObject({
      title: 'Keyset pagination in MongoDB',
      body: 'Offsets get slow on deep pages.',
      tags: ['databases', 'mongodb', 'node.js'],
      status: 'PUBLISHED',
      commentCount: 0,
      author: { id: alice },
    });
    expect(post.id).toMatch(/^[0-9a-f]{24}$/);
    expect(post.createdAt).toBe(post.updatedAt);

    const read = dataOf(await gql<{ post: PostView }>(POST, { id: post.id }, null)).post;
    expect(read).toMatchObject({ id: post.id, title: post.title, tags: post.tags, author: { id: alice } });
    const stored = await subgraph.store.posts.findById(post.id).lean().exec();
    expect(stored?.version).toBe(1);
  });

  it.each([
    ['a blank title', { title: '   ' }, 'title'],
    ['a 201-character title', { title: 'x'.repeat(201) }, 'title'],
    ['a 50,001-character body', { title: 'ok', body: 'b'.repeat(50_001) }, 'body'],
    ['11 tags', { title: 'ok', tags: Array.from({ length: 11 }, (_, i) => `tag${i}`) }, 'tags'],
    ['a 31-character tag', { title: 'ok', tags: ['t'.repeat(31)] }, 'tags'],
    ['an empty tag', { title: 'ok', tags: [''] }, 'tags'],
    ['a tag with a slash', { title: 'ok', tags: ['no/slashes'] }, 'tags'],
  ])('refuses %s with BAD_USER_INPUT on the field and writes nothing', async (_label, input, field) => {
    const result = await gql(CREATE_POST, { input: { body: '', ...input } }, alice);
    expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await subgraph.store.posts.countDocuments()).toBe(0);
  });

  it('accepts exactly the limits', async () => {
    const post = await createPostAs(gql, alice, {
      title: 't'.repeat(200),
      body: 'b'.repeat(50_000),
      tags: Array.from({ length: 10 }, (_, i) => `${'t'.repeat(29)}${i}`),
    });
    expect(post.title).toHaveLength(200);
    expect(post.tags).toHaveLength(10);
  });
});

describe('post(id)', () => {
  it('answers BAD_USER_INPUT on id for a malformed id, not a cast error', async () => {
    for (const id of ['nope', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', 'abcdefabcdef']) {
      const result = await gql<{ post: PostView | null }>(POST, { id }, alice);
      expect(result.data?.post).toBeNull();
      expect(errorOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(errorOf(result).message).toContain('not a valid post id');
    }
  });

  it('answers null with NOT_FOUND for a well-formed id that does not exist', async () => {
    const result = await gql<{ post: PostView | null }>(POST, { id: '0123456789abcdef01234567' }, alice);
    expect(result.data?.post).toBeNull();
    expect(errorOf(result).code).toBe('NOT_FOUND');
  });
});

describe('updatePost', () => {
  it('lets the author change some fields and bumps updatedAt and version', async () => {
    const post = await createPostAs(gql, alice, { title: 'Draft title', body: 'First body', tags: ['a'] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const updated = dataOf(
      await gql<{ updatePost: PostView }>(
        UPDATE,
        { id: post.id, input: { title: 'Final title', tags: ['B', 'c'] } },
        alice,
      ),
    ).updatePost;
    expect(updated).toMatchObject({
      id: post.id,
      title: 'Final title',
      body: 'First body',
      tags: ['b', 'c'],
      createdAt: post.createdAt,
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(post.createdAt));
    const stored = await subgraph.store.posts.findById(post.id).lean().exec();
    expect(stored?.version).toBe(2);
  });

  it('is FORBIDDEN for anyone but the author and UNAUTHENTICATED without a viewer', async () => {
    const post = await createPostAs(gql, alice, { title: 'Mine' });
    expect(errorOf(await gql(UPDATE, { id: post.id, input: { title: 'Hijacked' } }, bob)).code).toBe(
      'FORBIDDEN',
    );
    expect(errorOf(await gql(UPDATE, { id: post.id, input: { title: 'Hijacked' } }, null)).code).toBe(
      'UNAUTHENTICATED',
    );
    const read = dataOf(await gql<{ post: PostView }>(POST, { id: post.id }, null)).post;
    expect(read.title).toBe('Mine');
  });

  it('validates the input, naming the field', async () => {
    const post = await createPostAs(gql, alice, { title: 'Mine' });
    expect(errorOf(await gql(UPDATE, { id: post.id, input: {} }, alice))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input',
    });
    expect(errorOf(await gql(UPDATE, { id: post.id, input: { title: null } }, alice))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'title',
    });
    expect(errorOf(await gql(UPDATE, { id: post.id, input: { title: '' } }, alice))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'title',
    });
    expect(errorOf(await gql(UPDATE, { id: 'bad', input: { title: 'x' } }, alice))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'id',
    });
    expect(
      errorOf(await gql(UPDATE, { id: '0123456789abcdef01234567', input: { title: 'x' } }, alice)).code,
    ).toBe('NOT_FOUND');
    const stored = await subgraph.store.posts.findById(post.id).lean().exec();
    expect(stored).toMatchObject({ title: 'Mine', version: 1 });
    expect(stored?.pendingEvents).toHaveLength(1);
  });
});

describe('deletePost', () => {
  it('lets only the author delete; the post is then gone for everyone', async () => {
    const post = await createPostAs(gql, alice, { title: 'Short-lived' });
    expect(errorOf(await gql(DELETE, { id: post.id }, bob)).code).toBe('FORBIDDEN');
    expect(errorOf(await gql(DELETE, { id: post.id }, null)).code).toBe('UNAUTHENTICATED');

    const deleted = dataOf(
      await gql<{ deletePost: { id: string; deleted: boolean } }>(DELETE, { id: post.id }, alice),
    ).deletePost;
    expect(deleted).toEqual({ id: post.id, deleted: true });
    expect(errorOf(await gql(POST, { id: post.id }, alice)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(DELETE, { id: post.id }, alice)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(UPDATE, { id: post.id, input: { title: 'x' } }, alice)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(ADD_COMMENT, { postId: post.id, body: 'late' }, bob)).code).toBe('NOT_FOUND');
    const list = dataOf(
      await gql<{ posts: { edges: unknown[] } }>(`{ posts { edges { node { id } } } }`, {}, alice),
    ).posts;
    expect(list.edges).toHaveLength(0);
  });
});

describe('drafts', () => {
  const LIST = `query List($filter: PostFilter) { posts(filter: $filter) { edges { node { id status } } } }`;
  const USER_POSTS = `query UserPosts($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { postCount posts { edges { node { id status } } } } } }`;
  const POST_ENTITY = `query PostEntity($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { id title } } }`;

  it('are visible only to their author, everywhere', async () => {
    const draft = await createPostAs(gql, alice, { title: 'Secret plans', status: 'DRAFT' });
    const published = await createPostAs(gql, alice, { title: 'Public news' });

    expect(dataOf(await gql<{ post: PostView }>(POST, { id: draft.id }, alice)).post.status).toBe('DRAFT');
    for (const viewer of [bob, null]) {
      const result = await gql<{ post: PostView | null }>(POST, { id: draft.id }, viewer);
      expect(result.data?.post).toBeNull();
      expect(errorOf(result).code).toBe('NOT_FOUND');
    }

    const ids = async (viewer: string | null, filter: Record<string, unknown> = {}) =>
      dataOf(
        await gql<{ posts: { edges: { node: { id: string } }[] } }>(LIST, { filter }, viewer),
      ).posts.edges.map((edge) => edge.node.id);
    expect(await ids(alice)).toEqual([published.id, draft.id]);
    expect(await ids(bob)).toEqual([published.id]);
    expect(await ids(null)).toEqual([published.id]);
    expect(await ids(alice, { status: 'DRAFT' })).toEqual([draft.id]);
    expect(await ids(bob, { status: 'DRAFT' })).toEqual([]);
    expect(await ids(bob, { status: 'DRAFT', authorId: alice })).toEqual([]);
    expect(await ids(bob, { authorId: alice })).toEqual([published.id]);

    const userPosts = async (viewer: string | null) =>
      dataOf(
        await gql<{ _entities: { postCount: number; posts: { edges: { node: { id: string } }[] } }[] }>(
          USER_POSTS,
          { reps: [{ __typename: 'User', id: alice }] },
          viewer,
        ),
      )._entities[0]!;
    expect(await userPosts(alice)).toMatchObject({
      postCount: 2,
      posts: { edges: [{ node: { id: published.id } }, { node: { id: draft.id } }] },
    });
    expect(await userPosts(bob)).toMatchObject({
      postCount: 1,
      posts: { edges: [{ node: { id: published.id } }] },
    });

    const entity = await gql<{ _entities: (PostView | null)[] }>(
      POST_ENTITY,
      { reps: [{ __typename: 'Post', id: draft.id }] },
      bob,
    );
    expect(dataOf(entity)._entities).toEqual([null]);

    expect(errorOf(await gql(UPDATE, { id: draft.id, input: { title: 'x' } }, bob)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(ADD_COMMENT, { postId: draft.id, body: 'Found it' }, bob)).code).toBe(
      'NOT_FOUND',
    );
  });

  it('are hinted PRIVATE for a shared response cache', async () => {
    const draft = await createPostAs(gql, alice, { title: 'Secret plans', status: 'DRAFT' });
    const published = await createPostAs(gql, alice, { title: 'Public news' });
    const cacheControl = async (id: string) => {
      const body = JSON.stringify({
        query: `query P($id: ID!) { post(id: $id) { id title } }`,
        variables: { id },
      });
      const response = await fetch(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signAsGateway('content', body, alice) },
        body,
      });
      return response.headers.get('cache-control');
    };
    expect(await cacheControl(published.id)).toBe('max-age=30, public');
    expect(await cacheControl(draft.id)).toBe('max-age=30, private');
  });
});

describe('addComment', () => {
  it('adds a comment, counts it, and lists it under the post', async () => {
    const post = await createPostAs(gql, alice, { title: 'Talk to me' });
    const first = dataOf(
      await gql<{
        addComment: {
          id: string;
          body: string;
          author: { id: string };
          post: { id: string; commentCount: number };
        };
      }>(ADD_COMMENT, { postId: post.id, body: '  Nice one  ' }, bob),
    ).addComment;
    expect(first).toMatchObject({
      body: 'Nice one',
      author: { id: bob },
      post: { id: post.id, commentCount: 1 },
    });
    await gql(ADD_COMMENT, { postId: post.id, body: 'Thanks!' }, alice);

    const read = dataOf(
      await gql<{
        post: { commentCount: number; comments: { edges: { node: { id: string; body: string } }[] } };
      }>(
        `query P($id: ID!) { post(id: $id) { commentCount comments { edges { node { id body } } } } }`,
        { id: post.id },
        null,
      ),
    ).post;
    expect(read.commentCount).toBe(2);
    expect(read.comments.edges.map((edge) => edge.node.body)).toEqual(['Nice one', 'Thanks!']);

    const entity = dataOf(
      await gql<{ _entities: { body: string; post: { title: string } }[] }>(
        `query C($reps: [_Any!]!) { _entities(representations: $reps) { ... on Comment { body post { title } } } }`,
        { reps: [{ __typename: 'Comment', id: first.id }] },
        null,
      ),
    )._entities;
    expect(entity).toEqual([{ body: 'Nice one', post: { title: 'Talk to me' } }]);
  });

  it('comment(id) reads one comment, visible exactly when its post is', async () => {
    const COMMENT = `query C($id: ID!) { comment(id: $id) { id body author { id } post { id } } }`;
    const post = await createPostAs(gql, alice, { title: 'Open' });
    const draft = await createPostAs(gql, alice, { title: 'Hidden', status: 'DRAFT' });
    const onPost = dataOf(
      await gql<{ addComment: { id: string } }>(ADD_COMMENT, { postId: post.id, body: 'Seen' }, bob),
    ).addComment;
    const onDraft = dataOf(
      await gql<{ addComment: { id: string } }>(ADD_COMMENT, { postId: draft.id, body: 'Note' }, alice),
    ).addComment;
    expect(dataOf(await gql(COMMENT, { id: onPost.id }, null))).toEqual({
      comment: { id: onPost.id, body: 'Seen', author: { id: bob }, post: { id: post.id } },
    });
    expect(errorOf(await gql(COMMENT, { id: onDraft.id }, bob)).code).toBe('NOT_FOUND');
    expect(
      dataOf(await gql<{ comment: { body: string } }>(COMMENT, { id: onDraft.id }, alice)).comment.body,
    ).toBe('Note');
    expect(errorOf(await gql(COMMENT, { id: 'nope' }, null))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'id',
    });
  });

  it('validates body and postId, and needs a viewer', async () => {
    const post = await createPostAs(gql, alice, { title: 'Quiet' });
    expect(errorOf(await gql(ADD_COMMENT, { postId: post.id, body: '   ' }, bob))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'body',
    });
    expect(errorOf(await gql(ADD_COMMENT, { postId: post.id, body: 'x'.repeat(5001) }, bob))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'body',
    });
    expect(errorOf(await gql(ADD_COMMENT, { postId: 'post-1', body: 'hi' }, bob))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'postId',
    });
    expect(errorOf(await gql(ADD_COMMENT, { postId: post.id, body: 'hi' }, null)).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await subgraph.store.comments.countDocuments()).toBe(0);
    const stored = await subgraph.store.posts.findById(post.id).lean().exec();
    expect(stored?.commentCount).toBe(0);
  });
});
