import { describe, expect, inject, it } from 'vitest';
import { eventually, gql } from './client.js';
import type { SubgraphName } from '../graph/namespace.js';
import { e2e, subgraphUrl } from './namespace.js';
import { ObjectId, withStores } from './stores.js';

const seeded = inject('seeded');

interface PostDoc {
  _id: ObjectId;
  authorId: string;
  title: string;
  createdAt: Date;
}

const profileQuery = /* GraphQL */ `
  query Profile($id: ID!) {
    user(id: $id) {
      id
      handle
      displayName
      postCount
      followerCount
      followingCount
      posts(first: 5) {
        edges {
          node {
            id
            title
            author {
              id
              handle
            }
            likeCount
            commentCount
          }
        }
      }
    }
  }
`;

describe('one query across core, content and social', () => {
  it('returns exactly the seeded data of a user, their posts and their social counts', async () => {
    const expected = await withStores(async ({ sql, mongo, cypher }) => {
      const posts = mongo.db().collection<PostDoc>('posts');
      const authorId = (await posts.find({ status: 'PUBLISHED' }).sort({ createdAt: -1 }).limit(1).next())!
        .authorId;
      const user = (
        await sql.query<{ handle: string; displayName: string }>(
          'SELECT handle, "displayName" FROM "User" WHERE id = $1',
          [authorId],
        )
      ).rows[0]!;
      const own = await posts
        .find({ authorId, status: 'PUBLISHED' })
        .sort({ createdAt: -1, _id: -1 })
        .toArray();
      const [counts] = await cypher(
        `MATCH (u:User {id: $id})
         RETURN COUNT { (u)<-[:FOLLOWS]-() } AS followers, COUNT { (u)-[:FOLLOWS]->() } AS following`,
        { id: authorId },
      );
      const edges = [];
      for (const post of own.slice(0, 5)) {
        const id = post._id.toHexString();
        const [likes] = await cypher('MATCH (:User)-[l:LIKED]->(:Post {id: $id}) RETURN count(l) AS n', {
          id,
        });
        const comments = await mongo.db().collection('comments').countDocuments({ postId: post._id });
        edges.push({
          node: {
            id,
            title: post.title,
            author: { id: authorId, handle: user.handle },
            likeCount: likes!.n,
            commentCount: comments,
          },
        });
      }
      return {
        user: {
          id: authorId,
          handle: user.handle,
          displayName: user.displayName,
          postCount: own.length,
          followerCount: counts!.followers,
          followingCount: counts!.following,
          posts: { edges },
        },
      };
    });
    expect(expected.user.posts.edges.length).toBeGreaterThan(0);
    const answer = await gql(profileQuery, { id: expected.user.id });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual(expected);
  });

  it('caches a query spanning three subgraphs: every subgraph hints its types', async () => {
    const id = seeded.userIds[3]!;
    await eventually(
      () => gql(profileQuery, { id }),
      (answer) => answer.cache === 'HIT' && answer.errors === undefined,
    );
  });

  it('asks each subgraph a fixed number of times whether a page holds 5 posts or 100', async () => {
    const feedPage = `query Page($first: Int) { posts(first: $first) { edges { node { id author { handle } likeCount commentCount } } } }`;
    const subgraphCalls = async () => {
      const urls = (['core', 'content', 'social'] as const).map((name) => subgraphUrl(name, '/metrics'));
      const bodies = await Promise.all(urls.map(async (url) => (await fetch(url)).text()));
      return bodies.map((body) =>
        [...body.matchAll(/^graphql_requests_total\{[^}]*\} (\d+)/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        ),
      );
    };
    const cost = async (first: number) => {
      const before = await subgraphCalls();
      const answer = await gql<{ posts: { edges: unknown[] } }>(feedPage, { first });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.posts.edges).toHaveLength(first);
      const after = await subgraphCalls();
      return after.map((count, i) => count - before[i]!);
    };
    const small = await cost(5);
    const large = await cost(100);
    expect(large).toEqual(small);
    expect(small.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3);
  });

  it("exposes each read model's consumer lag on /metrics, zero once caught up", async () => {
    const lines = async (name: SubgraphName) =>
      (await (await fetch(subgraphUrl(name, '/metrics'))).text()).split('\n');
    const caughtUp = (group: string, service: string) =>
      `events_consumer_lag{group="${group}",service="${service}"} 0`;
    expect(await lines('search')).toContain(caughtUp(e2e.groups.search, 'search'));
    expect(await lines('semantic')).toContain(caughtUp(e2e.groups.semantic, 'semantic'));
    expect(await lines('social')).toContain(caughtUp(e2e.groups.social, 'social'));
    expect(await lines('analytics')).toContain(caughtUp(e2e.groups.analytics, 'analytics'));
  });

  it('answers an unknown id with null and NOT_FOUND, a malformed one with BAD_USER_INPUT', async () => {
    const missing = await gql('query { post(id: "0123456789abcdef01234567") { id } }');
    expect(missing.data).toEqual({ post: null });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await gql('query { post(id: "not-an-id") { id } }');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(malformed.errors?.[0]?.extensions?.field).toBe('id');
  });

  it('lists the seeded users through the gateway, page by page, without duplicates or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<
        ReturnType<
          typeof gql<{
            users: {
              edges: { node: { id: string } }[];
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          }>
        >
      > = await gql(
        `query Users($after: String) { users(first: 7, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(page.errors).toBeUndefined();
      seen.push(...page.data!.users.edges.map((edge) => edge.node.id));
      after = page.data!.users.pageInfo.hasNextPage ? page.data!.users.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of seeded.userIds) expect(seen).toContain(id);
  });
});
