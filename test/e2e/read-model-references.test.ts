import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql } from './client.js';
import { ObjectId, withStores } from './stores.js';

/**
 * Read models (semantic, social, search, analytics) hold references to posts owned by content.
 * A post deleted in content while an index still has it must null only its own hit, never the
 * whole answer. The post is removed from MongoDB directly (no outbox event), so the read models
 * keep it for the whole test, as they would while lagging behind. Every query after the removal
 * differs from the ones before (text, `first`), so no cached answer stands in for it.
 */
const marker = `quillwort${randomUUID().slice(0, 6)}`;

interface Account {
  token: string;
  id: string;
}

async function signUp(name: string): Promise<Account> {
  const handle = `e2e_${name}_${randomUUID().slice(0, 8)}`;
  const answer = await gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
    {
      input: { handle, displayName: name, email: `${handle}@example.com`, password: 'correct horse battery' },
    },
  );
  expect(answer.errors).toBeUndefined();
  return { token: answer.data!.signUp.token, id: answer.data!.signUp.user.id };
}

async function createPost(author: Account, title: string, body: string): Promise<string> {
  const answer = await gql<{ createPost: { id: string } }>(
    `mutation Create($input: CreatePostInput!) { createPost(input: $input) { id } }`,
    { input: { title, body, tags: ['gardening'] } },
    author.token,
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.createPost.id;
}

/** `title` comes from content: selecting only the key `id` would not ask content at all. */
type Hit = { post: { id: string; title: string } | null };

const semantic = (text: string, first: number) =>
  gql<{ semanticSearch: Hit[]; hybridSearch: Hit[] }>(
    `query Near($text: String!, $first: Int) {
       semanticSearch(text: $text, first: $first) { post { id title } }
       hybridSearch(text: $text, first: $first) { post { id title } }
     }`,
    { text, first },
  );

const feed = (viewer: Account, first: number) =>
  gql<{ feed: { edges: { node: { id: string; title: string } | null }[] } }>(
    `query Feed($first: Int) { feed(first: $first) { edges { node { id title } } } }`,
    { first },
    viewer.token,
  );

const ids = (hits: Hit[]) => hits.map((hit) => hit.post?.id ?? null);

let author: Account;
let viewer: Account;
let kept: string;
let removed: string;

beforeAll(async () => {
  author = await signUp('author');
  viewer = await signUp('reader');
  // Social learns of sign-ups from core's events: the follow is refused (NOT_FOUND) until then.
  const followed = await eventually(
    () =>
      gql(
        `mutation Follow($u: ID!) { follow(userId: $u) { viewerFollows } }`,
        { u: author.id },
        viewer.token,
      ),
    (answer) => answer.errors === undefined,
  );
  expect(followed.errors).toBeUndefined();
  kept = await createPost(
    author,
    `Growing ${marker} ferns in a shady garden`,
    'Ferns like moist soil, shade and leaf mould; water them in dry spells.',
  );
  removed = await createPost(
    author,
    `Dividing ${marker} ferns in spring`,
    'Lift the fern clump in spring, split it with a spade and replant in shade with leaf mould.',
  );
  // Every read model has both posts.
  await eventually(
    () => semantic('how do I grow ferns in the shade', 10),
    (answer) =>
      [kept, removed].every(
        (id) =>
          ids(answer.data?.semanticSearch ?? []).includes(id) &&
          ids(answer.data?.hybridSearch ?? []).includes(id),
      ),
    30_000,
  );
  await eventually(
    () => feed(viewer, 5),
    (answer) => answer.data?.feed.edges.length === 2,
    30_000,
  );
  await withStores(({ mongo }) =>
    mongo
      .db()
      .collection('posts')
      .deleteOne({ _id: new ObjectId(removed) }),
  );
}, 120_000);

describe('a post deleted in content while the read models still hold it', () => {
  it('nulls only its own semanticSearch and hybridSearch hits', async () => {
    const answer = await semantic('caring for shade ferns in a garden', 12);
    expect(answer.errors).toBeUndefined();
    for (const hits of [answer.data!.semanticSearch, answer.data!.hybridSearch]) {
      const found = ids(hits);
      expect(found).toContain(kept);
      expect(found).not.toContain(removed);
      expect(found).toContain(null);
    }
  });

  it('nulls only its own hit in the related posts of another post', async () => {
    const answer = await gql<{ post: { related: Hit[] } }>(
      `query Related($id: ID!) { post(id: $id) { related(first: 7) { post { id title } } } }`,
      { id: kept },
    );
    expect(answer.errors).toBeUndefined();
    const related = ids(answer.data!.post.related);
    expect(related).toContain(null);
    expect(related.length).toBeGreaterThan(1);
  });

  it('nulls only its own feed edge', async () => {
    const answer = await feed(viewer, 6);
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data!.feed.edges.map((edge) => edge.node?.id ?? null);
    expect(nodes).toEqual([null, kept]);
  });

  it('answers a like of it with a null post instead of failing the mutation', async () => {
    const answer = await gql<{ likePost: { post: Hit['post']; viewerHasLiked: boolean } }>(
      `mutation Like($id: ID!) { likePost(postId: $id) { post { id title } viewerHasLiked } }`,
      { id: removed },
      viewer.token,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.likePost).toEqual({ post: null, viewerHasLiked: true });
  });
});
