import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql } from './client.js';

let token: string;
let viewerId: string;
const marker = `zephyrine${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  const handle = `e2e_${randomUUID().slice(0, 8)}`;
  const signUp = await gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id handle } } }`,
    {
      input: {
        handle,
        displayName: 'End To End',
        email: `${handle}@example.com`,
        password: 'correct horse battery',
      },
    },
  );
  expect(signUp.errors).toBeUndefined();
  token = signUp.data!.signUp.token;
  viewerId = signUp.data!.signUp.user.id;
});

const searchIds = async (query: string) => {
  const answer = await gql<{
    search: { edges: { node: { item: { __typename: string; id: string } | null } }[] };
  }>(
    `query Find($q: String!) { search(query: $q, first: 10) { edges { node { item { __typename ... on Post { id } } } } } }`,
    { q: query },
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.search.edges.map((edge) => edge.node.item?.id);
};

const semanticIds = async (text: string) => {
  const answer = await gql<{ semanticSearch: { post: { id: string } }[] }>(
    `query Near($text: String!) { semanticSearch(text: $text, first: 5) { post { id } } }`,
    { text },
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.semanticSearch.map((hit) => hit.post.id);
};

describe('a post written through the gateway', () => {
  it('is readable at once, findable by search and semantic search, edited and deleted everywhere', async () => {
    const created = await gql<{ createPost: { id: string; author: { id: string } } }>(
      `mutation Create($input: CreatePostInput!) { createPost(input: $input) { id title author { id } } }`,
      {
        input: {
          title: `Repotting a ${marker} orchid without killing it`,
          body: 'Orchids hate wet roots. Use bark, a clear pot, and water only when the roots turn silver.',
          tags: ['gardening'],
        },
      },
      token,
    );
    expect(created.errors).toBeUndefined();
    const postId = created.data!.createPost.id;
    expect(created.data!.createPost.author.id).toBe(viewerId);

    const read = await gql<{ post: { title: string; author: { handle: string } } }>(
      `query { post(id: "${postId}") { title author { handle } } }`,
    );
    expect(read.data?.post.title).toContain(marker);

    await eventually(
      () => searchIds(marker),
      (ids) => ids.includes(postId),
      30_000,
    );
    await eventually(
      () => semanticIds('how to move an orchid into a new pot'),
      (ids) => ids.includes(postId),
      30_000,
    );

    const updated = await gql(
      `mutation Edit($id: ID!) { updatePost(id: $id, input: { title: "Dividing a crowded fern" }) { id title } }`,
      { id: postId },
      token,
    );
    expect(updated.errors).toBeUndefined();
    await eventually(
      () => searchIds(marker),
      (ids) => !ids.includes(postId),
    );
    await eventually(
      () => searchIds('crowded fern'),
      (ids) => ids.includes(postId),
    );

    const deleted = await gql(
      `mutation Delete($id: ID!) { deletePost(id: $id) { id deleted } }`,
      { id: postId },
      token,
    );
    expect(deleted.errors).toBeUndefined();
    const gone = await gql(`query { post(id: "${postId}") { id } }`);
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await eventually(
      () => searchIds('crowded fern'),
      (ids) => !ids.includes(postId),
    );
    await eventually(
      () => semanticIds('how to move an orchid into a new pot'),
      (ids) => !ids.includes(postId),
      30_000,
    );
  });

  it('is never served stale from the gateway cache after an edit', async () => {
    const created = await gql<{ createPost: { id: string } }>(
      `mutation { createPost(input: { title: "Cache me if you can", body: "First version." }) { id } }`,
      {},
      token,
    );
    const postId = created.data!.createPost.id;
    const query = `query Cached($id: ID!) { post(id: $id) { id title } }`;
    // The post's own PostCreated event drops Post-tagged responses when it arrives (~100 ms later):
    // wait until the answer is cached for good, then edit.
    await eventually(
      () => gql(query, { id: postId }),
      (answer) => answer.cache === 'HIT',
    );
    await gql(
      `mutation Edit($id: ID!) { updatePost(id: $id, input: { title: "Second version" }) { id title } }`,
      { id: postId },
      token,
    );
    const next = await gql<{ post: { title: string } }>(query, { id: postId });
    expect(next.cache).toBe('MISS');
    expect(next.data?.post.title).toBe('Second version');
  });
});

describe('bad input', () => {
  it('names the field of a validation error and writes nothing', async () => {
    const empty = await gql(`mutation { createPost(input: { title: "   ", body: "x" }) { id } }`, {}, token);
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    const anonymous = await gql(`mutation { createPost(input: { title: "Hello", body: "x" }) { id } }`);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED'); // refused by the gateway's @authenticated
    const badEmail = await gql(
      `mutation { signUp(input: { handle: "valid_handle", displayName: "X", email: "nope", password: "long enough pw" }) { token } }`,
    );
    expect(badEmail.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it('rejects an empty search and a first out of range with BAD_USER_INPUT', async () => {
    const empty = await gql(`query { search(query: "  ") { totalCount } }`);
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await gql(`query { semanticSearch(text: "hello", first: 500) { score } }`);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
