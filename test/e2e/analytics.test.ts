import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql } from './client.js';

interface Account {
  token: string;
  id: string;
}

async function signUp(): Promise<Account> {
  const handle = `e2e_${randomUUID().slice(0, 8)}`;
  const answer = await gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
    {
      input: {
        handle,
        displayName: 'Analytics',
        email: `${handle}@example.com`,
        password: 'correct horse battery',
      },
    },
  );
  expect(answer.errors).toBeUndefined();
  return { token: answer.data!.signUp.token, id: answer.data!.signUp.user.id };
}

let author: Account;
let reader: Account;
let postId: string;

beforeAll(async () => {
  author = await signUp();
  reader = await signUp();
  const created = await gql<{ createPost: { id: string } }>(
    `mutation Create($input: CreatePostInput!) { createPost(input: $input) { id } }`,
    {
      input: {
        title: 'Counting what happens to a post',
        body: 'Views, likes and comments.',
        tags: ['analytics'],
      },
    },
    author.token,
  );
  expect(created.errors).toBeUndefined();
  postId = created.data!.createPost.id;
});

const PROFILE = `query Profile($id: ID!) {
  user(id: $id) { id posts(first: 5) { edges { node { id title stats { views likes comments } } } } }
  trendingPosts(window: HOUR, first: 10) { post { id title } score }
}`;

interface Profile {
  user: {
    posts: { edges: { node: { id: string; stats: { views: number; likes: number; comments: number } } }[] };
  };
  trendingPosts: { post: { id: string; title: string }; score: number }[];
}

describe('analytics through the gateway', () => {
  it('shows a comment, a like and a view in the post’s stats on a profile page, and the post trending', async () => {
    const comment = await gql(
      `mutation Comment($postId: ID!) { addComment(postId: $postId, body: "Counted once") { id } }`,
      { postId },
      reader.token,
    );
    expect(comment.errors).toBeUndefined();
    const like = await gql(
      `mutation Like($postId: ID!) { likePost(postId: $postId) { viewerHasLiked } }`,
      { postId },
      reader.token,
    );
    expect(like.errors).toBeUndefined();

    // A view counts once the recorder knows the post (from content's PostCreated); repeats within the window count once.
    const recordView = () =>
      gql<{ recordViews: { recorded: number; duplicates: number; ignored: number } }>(
        `mutation Views($views: [ViewInput!]!) { recordViews(views: $views) { recorded duplicates ignored } }`,
        { views: [{ postId }, { postId }] },
        reader.token,
      );
    const views = await eventually(
      recordView,
      (answer) => (answer.data?.recordViews.recorded ?? 0) > 0,
      30_000,
    );
    expect(views.data!.recordViews).toEqual({ recorded: 1, duplicates: 1, ignored: 0 });

    const profile = await eventually(
      () => gql<Profile>(PROFILE, { id: author.id }),
      (answer) => {
        const stats = answer.data?.user.posts.edges.find((edge) => edge.node.id === postId)?.node.stats;
        return stats?.comments === 1 && stats.likes === 1 && stats.views === 1;
      },
      45_000,
    );
    expect(profile.errors).toBeUndefined();
    expect(profile.data!.trendingPosts.map((entry) => entry.post.id)).toContain(postId);
  });

  it('lets only the user see their own activity', async () => {
    const now = Date.now();
    const query = `query Activity($id: ID!, $from: DateTime!, $to: DateTime!) {
      user(id: $id) { activity(metric: COMMENTS, from: $from, to: $to, interval: MINUTE) { count } } }`;
    const variables = {
      id: reader.id,
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now + 60_000).toISOString(),
    };
    const own = await eventually(
      () => gql<{ user: { activity: { count: number }[] } }>(query, variables, reader.token),
      (answer) => (answer.data?.user.activity ?? []).reduce((sum, bucket) => sum + bucket.count, 0) >= 1,
      30_000,
    );
    expect(own.errors).toBeUndefined();
    const other = await gql(query, variables, author.token);
    expect(other.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('names the argument of a bad range', async () => {
    const answer = await gql(
      `query($id: ID!) { post(id: $id) { activity(metric: VIEWS, from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z", interval: DAY) { count } } }`,
      { id: postId },
    );
    expect(answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'from'],
    ]);
  });
});
