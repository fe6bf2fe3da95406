import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAsGateway } from '@aetherial/subgraph-kit';
import type { Driver } from 'neo4j-driver';
import { createSubgraph, type RunningSocial } from '../src/subgraph.js';
import { addFollows, createUsers } from './graph-fixtures.js';
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

const FOLLOW = `mutation($userId: ID!) { follow(userId: $userId) { user { id followerCount } viewer { id followingCount } viewerFollows followedAt } }`;
const UNFOLLOW = `mutation($userId: ID!) { unfollow(userId: $userId) { user { id followerCount } viewerFollows followedAt } }`;
const COUNTS = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id followerCount followingCount viewerFollows } } }`;

interface FollowData {
  follow: {
    user: { id: string; followerCount: number };
    viewer: { id: string; followingCount: number };
    viewerFollows: boolean;
    followedAt: string;
  } | null;
}
interface UnfollowData {
  unfollow: {
    user: { id: string; followerCount: number };
    viewerFollows: boolean;
    followedAt: string | null;
  } | null;
}
interface UserCounts {
  id: string;
  followerCount: number;
  followingCount: number;
  viewerFollows: boolean;
}

const counts = async (ids: string[], viewerId: string | null) => {
  const result = await callAsGateway<{ _entities: UserCounts[] }>(
    social,
    COUNTS,
    { reps: ids.map((userId) => ({ __typename: 'User', id: userId })) },
    viewerId,
  );
  expect(result.errors).toBeUndefined();
  return result.data!._entities;
};

describe('follow and unfollow', () => {
  beforeAll(() => createUsers(driver, [id('ann'), id('bob'), id('cat')]));

  it('follows once however often it is asked, keeping the first time', async () => {
    const first = await callAsGateway<FollowData>(social, FOLLOW, { userId: id('bob') }, id('ann'));
    expect(first.errors).toBeUndefined();
    expect(first.data!.follow).toMatchObject({
      user: { id: id('bob'), followerCount: 1 },
      viewer: { id: id('ann'), followingCount: 1 },
      viewerFollows: true,
    });
    const again = await callAsGateway<FollowData>(social, FOLLOW, { userId: id('bob') }, id('ann'));
    expect(again.data!.follow).toMatchObject({ user: { followerCount: 1 }, viewer: { followingCount: 1 } });
    expect(again.data!.follow!.followedAt).toBe(first.data!.follow!.followedAt);

    await callAsGateway(social, FOLLOW, { userId: id('bob') }, id('cat'));
    expect(await counts([id('bob'), id('ann'), id('cat')], id('ann'))).toEqual([
      { id: id('bob'), followerCount: 2, followingCount: 0, viewerFollows: true },
      { id: id('ann'), followerCount: 0, followingCount: 1, viewerFollows: false },
      { id: id('cat'), followerCount: 0, followingCount: 1, viewerFollows: false },
    ]);
  });

  it('unfollows idempotently', async () => {
    const first = await callAsGateway<UnfollowData>(social, UNFOLLOW, { userId: id('bob') }, id('cat'));
    expect(first.errors).toBeUndefined();
    expect(first.data!.unfollow).toEqual({
      user: { id: id('bob'), followerCount: 1 },
      viewerFollows: false,
      followedAt: null,
    });
    const again = await callAsGateway<UnfollowData>(social, UNFOLLOW, { userId: id('bob') }, id('cat'));
    expect(again.data!.unfollow!.user.followerCount).toBe(1);
    expect((await counts([id('bob')], id('cat')))[0]).toMatchObject({
      followerCount: 1,
      viewerFollows: false,
    });
  });

  it('refuses to follow yourself, naming the field', async () => {
    const result = await callAsGateway<FollowData>(social, FOLLOW, { userId: id('ann') }, id('ann'));
    expect(result.data?.follow).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect((await counts([id('ann')], null))[0]!.followerCount).toBe(0);
  });

  it('answers NOT_FOUND for a user the graph does not know, writing nothing', async () => {
    const result = await callAsGateway<FollowData>(social, FOLLOW, { userId: id('nobody') }, id('ann'));
    expect(result.data?.follow).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const unfollow = await callAsGateway<UnfollowData>(social, UNFOLLOW, { userId: id('nobody') }, id('ann'));
    expect(unfollow.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const ghosts = await driver.executeQuery('MATCH (u:User {id: $id}) RETURN count(u) AS n', {
      id: id('nobody'),
    });
    expect(ghosts.records[0]!.get('n')).toBe(0);
  });

  it('creates the viewer lazily on the first follow', async () => {
    const result = await callAsGateway<FollowData>(social, FOLLOW, { userId: id('bob') }, id('newcomer'));
    expect(result.errors).toBeUndefined();
    expect(result.data!.follow!.viewer.followingCount).toBe(1);
  });

  it('needs a viewer', async () => {
    const result = await callAsGateway<FollowData>(social, FOLLOW, { userId: id('bob') }, null);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await counts([id('bob')], null))[0]!.viewerFollows).toBe(false);
  });
});

describe('followers and following', () => {
  const star = id('star');
  const fans = Array.from({ length: 7 }, (_, index) => id(`fan${index}`));

  beforeAll(async () => {
    await createUsers(driver, [star, ...fans]);
    await addFollows(
      driver,
      fans.map((fan) => [fan, star] as [string, string]),
    );
  });

  const FOLLOWERS = `query($reps: [_Any!]!, $first: Int, $after: String) { _entities(representations: $reps) { ... on User {
    followers(first: $first, after: $after) { totalCount edges { cursor followedAt node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } } } }`;
  interface Page {
    totalCount: number;
    edges: { cursor: string; followedAt: string; node: { id: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  }

  it('pages through followers newest first without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const result = await callAsGateway<{ _entities: { followers: Page }[] }>(social, FOLLOWERS, {
        reps: [{ __typename: 'User', id: star }],
        first: 3,
        after,
      });
      expect(result.errors).toBeUndefined();
      const followers: Page = result.data!._entities[0]!.followers;
      expect(followers.totalCount).toBe(7);
      expect(followers.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...followers.edges.map((edge) => edge.node.id));
      if (!followers.pageInfo.hasNextPage) break;
      after = followers.pageInfo.endCursor;
    }
    expect(seen).toEqual([...fans].reverse());
  });

  it('rejects a cursor of another list and a bad page size', async () => {
    const reps = [{ __typename: 'User', id: star }];
    const first = await callAsGateway<{ _entities: { followers: Page }[] }>(social, FOLLOWERS, {
      reps,
      first: 1,
    });
    const cursor = first.data!._entities[0]!.followers.pageInfo.endCursor;
    const following = await callAsGateway(
      social,
      `query($reps: [_Any!]!, $after: String) { _entities(representations: $reps) { ... on User { following(after: $after) { totalCount } } } }`,
      { reps, after: cursor },
    );
    expect(following.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await callAsGateway(social, FOLLOWERS, { reps, first: 1000 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('recommendedFollows', () => {
  const [me, a, b, c, w, x, y, z, lonely] = ['me', 'a', 'b', 'c', 'w', 'x', 'y', 'z', 'lonely'].map((name) =>
    id(`rec-${name}`),
  ) as [string, string, string, string, string, string, string, string, string];

  beforeAll(async () => {
    await createUsers(driver, [me, a, b, c, w, x, y, z, lonely]);
    await addFollows(driver, [
      [me, a],
      [me, b],
      [me, c],
      // a follows me back and b, whom I already follow: neither may be recommended
      [a, x],
      [a, y],
      [a, w],
      [a, me],
      [a, b],
      [b, x],
      [b, y],
      [c, x],
      [c, w],
      [c, z],
      // lonely follows x but I do not follow lonely: no influence
      [lonely, x],
      [lonely, z],
    ]);
  });

  const RECOMMENDED = `query($reps: [_Any!]!, $limit: Int) { _entities(representations: $reps) { ... on User { recommendedFollows(limit: $limit) { mutualFollows user { id } } } } }`;
  const recommended = async (limit?: number) => {
    const result = await callAsGateway<{
      _entities: { recommendedFollows: { mutualFollows: number; user: { id: string } }[] }[];
    }>(
      social,
      RECOMMENDED,
      {
        reps: [{ __typename: 'User', id: me }],
        ...(limit === undefined ? {} : { limit }),
      },
      me,
    );
    expect(result.errors).toBeUndefined();
    return result.data!._entities[0]!.recommendedFollows.map((entry) => [entry.user.id, entry.mutualFollows]);
  };

  it('ranks friends of friends by mutual follows, then id', async () => {
    expect(await recommended()).toEqual([
      [x, 3],
      [w, 2],
      [y, 2],
      [z, 1],
    ]);
    expect(await recommended(2)).toEqual([
      [x, 3],
      [w, 2],
    ]);
  });

  it('drops someone once followed', async () => {
    await addFollows(driver, [[me, x]]);
    expect(await recommended()).toEqual([
      [w, 2],
      [y, 2],
      [z, 1],
    ]);
  });

  it('rejects a limit out of range', async () => {
    const result = await callAsGateway(social, RECOMMENDED, {
      reps: [{ __typename: 'User', id: me }],
      limit: 0,
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
  });
});

describe('connectionPath', () => {
  const chain = Array.from({ length: 8 }, (_, index) => id(`chain${index}`));
  const [start, detourA, detourB] = [id('path-start'), id('path-detour-a'), id('path-detour-b')];

  beforeAll(async () => {
    await createUsers(driver, [...chain, start, detourA, detourB]);
    const links = chain.slice(1).map((to, index) => [chain[index]!, to] as [string, string]);
    // A longer way round from start to chain3 and a short one through chain2.
    await addFollows(driver, [
      ...links,
      [start, detourA],
      [detourA, detourB],
      [detourB, chain[3]!],
      [start, chain[2]!],
    ]);
  });

  const PATH = `query($reps: [_Any!]!, $to: ID!) { _entities(representations: $reps) { ... on User { connectionPath(to: $to) { id } } } }`;
  const path = async (from: string, to: string) => {
    const result = await callAsGateway<{ _entities: { connectionPath: { id: string }[] | null }[] }>(
      social,
      PATH,
      { reps: [{ __typename: 'User', id: from }], to },
    );
    expect(result.errors).toBeUndefined();
    return result.data!._entities[0]!.connectionPath?.map((user) => user.id) ?? null;
  };

  it('returns the shortest chain of follows, ends included', async () => {
    expect(await path(start, chain[4]!)).toEqual([start, chain[2], chain[3], chain[4]]);
    expect(await path(chain[0]!, chain[6]!)).toEqual(chain.slice(0, 7));
  });

  it('is null against the direction of follows, beyond six follows and for unknown users', async () => {
    expect(await path(chain[4]!, start)).toBeNull();
    expect(await path(chain[0]!, chain[7]!)).toBeNull();
    expect(await path(chain[0]!, id('nobody'))).toBeNull();
  });

  it('is the user alone for a path to themself', async () => {
    expect(await path(start, start)).toEqual([start]);
  });
});
