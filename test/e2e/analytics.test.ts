import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql } from './client.js';
import { e2e, gatewayUrl } from './namespace.js';

/** A token as core issues it, signed with the graph's secret (core's admin command is tested in identity.test.ts). */
const mint = (userId: string, scope: string) =>
  new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer('aetherial-core')
    .setAudience('aetherial-graph')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(e2e.secrets.JWT_SECRET));

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
    // Social learns of the post from content's event: likes are refused (NOT_FOUND) until then.
    const like = await eventually(
      () =>
        gql(
          `mutation Like($postId: ID!) { likePost(postId: $postId) { viewerHasLiked } }`,
          { postId },
          reader.token,
        ),
      (answer) => answer.errors === undefined,
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

describe('graphActivity: the gateway’s own requests, for admins', () => {
  const query = `query Graph($from: DateTime!, $to: DateTime!, $interval: Interval!) {
    graphActivity(from: $from, to: $to, interval: $interval) { start requests errors p50LatencyMs p95LatencyMs } }`;
  interface Buckets {
    graphActivity: { start: string; requests: number; errors: number; p50LatencyMs: number | null }[];
  }

  /** Requests the gateway process has answered so far, from its own Prometheus counter. */
  async function answeredSoFar(): Promise<number> {
    const text = await (await fetch(gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('gateway_requests_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  }

  it('counts the requests the gateway answered in the interval', async () => {
    const admin = await mint(author.id, 'customer admin catalog:write');
    const requests = 15;
    for (let i = 0; i < requests; i += 1) {
      const answer = await gql(`query Probe($id: ID!) { post(id: $id) { id title } }`, { id: postId });
      expect(answer.errors).toBeUndefined();
    }
    // Every request the gateway answered up to now, ours included; the polls below add one each.
    const answered = await answeredSoFar();
    expect(answered).toBeGreaterThanOrEqual(requests);
    let polls = 0;
    const total = (result: { data?: Buckets | null }) =>
      (result.data?.graphActivity ?? []).reduce((sum, bucket) => sum + bucket.requests, 0);
    // Each gateway process writes its window every 10 s; MINUTE buckets read the raw points. Six hours
    // back covers every request of this run.
    const answer = await eventually(
      () => {
        polls += 1;
        return gql<Buckets>(
          query,
          {
            from: new Date(Date.now() - 6 * 3_600_000).toISOString(),
            to: new Date(Date.now() + 60_000).toISOString(),
            interval: 'MINUTE',
          },
          admin,
        );
      },
      (result) => total(result) >= answered,
      40_000,
    );
    expect(answer.errors).toBeUndefined();
    expect(total(answer)).toBeLessThanOrEqual(answered + polls);
    const busy = answer.data!.graphActivity.filter((bucket) => bucket.requests > 0);
    expect(busy.every((bucket) => bucket.p50LatencyMs !== null && bucket.p50LatencyMs > 0)).toBe(true);
  });

  it('refuses a customer naming the missing scope, and an anonymous caller', async () => {
    const variables = {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date().toISOString(),
      interval: 'MINUTE',
    };
    const customer = await gql(query, variables, await mint(reader.id, 'customer'));
    expect(customer.data).toBeNull();
    expect(customer.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(customer.errors?.[0]?.message).toMatch(/admin/);
    // The gateway's shape: alternatives of scope sets, as in @requiresScopes.
    expect((customer.errors?.[0]?.extensions as { requiredScopes?: string[][] }).requiredScopes).toEqual([
      ['admin'],
    ]);
    const anonymous = await gql(query, variables);
    expect(anonymous.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHORIZED']);
  });

  it('names the argument of a bad range', async () => {
    const admin = await mint(author.id, 'customer admin catalog:write');
    const fields = async (variables: Record<string, unknown>) =>
      (await gql(query, variables, admin)).errors?.map((error) => [
        error.extensions?.code,
        error.extensions?.field,
      ]);
    expect(
      await fields({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z', interval: 'DAY' }),
    ).toEqual([['BAD_USER_INPUT', 'from']]);
    expect(
      await fields({
        from: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        to: new Date().toISOString(),
        interval: 'MINUTE',
      }),
    ).toEqual([['BAD_USER_INPUT', 'interval']]);
  });
});
