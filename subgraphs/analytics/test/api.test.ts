import { callAsGateway, scrapeStoreRequests } from '@aetherial/subgraph-kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConfig } from '../src/config.js';
import { applyPostChanges, knownPostsKey } from '../src/known-posts.js';
import { identityTime, postActivity, sale, userActivity } from '../src/points.js';
import { createSubgraph, redisKeyPrefix, type RunningAnalytics } from '../src/subgraph.js';
import { connectRedis, dropRun, hexId, newRunId, testConfig, waitFor } from './helpers.js';

const config: AnalyticsConfig = testConfig(newRunId(), {
  ANALYTICS_VIEWS_PER_MINUTE: '20',
  ANALYTICS_ROLLUP_EVERY: '1s',
});
let analytics: RunningAnalytics;
let redis: Redis;
const posts = Array.from({ length: 50 }, () => hexId());
const products = Array.from({ length: 20 }, () => hexId());
const hour = 3_600_000;
const now = Date.now();
const thisHour = Math.floor(now / hour) * hour;

beforeAll(async () => {
  redis = connectRedis(config);
  analytics = await createSubgraph(config);
  await applyPostChanges(
    redis,
    knownPostsKey(redisKeyPrefix(config)),
    posts.map((id) => [id, 1]),
  );
  // Post i has i comments and 2 likes, a minute ago; post 7 has a burst of 100 likes too.
  const at = new Date(now - 60_000);
  const points = posts.flatMap((post, index) => [
    ...Array.from({ length: index }, (_, n) =>
      postActivity(post, 'comment', 1, identityTime(at, `${post}:c${n}`)),
    ),
    ...Array.from({ length: 2 }, (_, n) => postActivity(post, 'like', 1, identityTime(at, `${post}:l${n}`))),
  ]);
  points.push(
    ...Array.from({ length: 100 }, (_, n) =>
      postActivity(posts[7]!, 'like', 1, identityTime(at, `burst${n}`)),
    ),
  );
  points.push(userActivity('owner', 'comment', 4, identityTime(at, 'owner')));
  // Product i sold i + 1 units at 100 cents, twice: a minute ago and two hours ago.
  for (const [index, product] of products.entries()) {
    points.push(sale(product, index + 1, (index + 1) * 100, identityTime(at, `${product}:now`)));
    points.push(
      sale(
        product,
        index + 1,
        (index + 1) * 100,
        identityTime(new Date(now - 2 * hour), `${product}:before`),
      ),
    );
  }
  await analytics.store.influx.write('raw', points);
});

afterAll(async () => {
  await analytics?.stop();
  redis?.disconnect();
  await dropRun(config);
});

type Answer = Awaited<ReturnType<typeof callAsGateway<Record<string, unknown>>>>;

async function measure(query: string, variables: Record<string, unknown>, viewer: string | null = null) {
  const before = await scrapeStoreRequests(analytics.url, 'influxdb');
  const result: Answer = await callAsGateway(
    analytics.url,
    query,
    variables,
    viewer,
    config.GATEWAY_SHARED_SECRET,
  );
  const after = await scrapeStoreRequests(analytics.url, 'influxdb');
  return { result, trips: after - before };
}

const entities = (ids: string[], typename = 'Post') => ids.map((id) => ({ __typename: typename, id }));
const range = { from: new Date(thisHour - hour).toISOString(), to: new Date(thisHour + hour).toISOString() };

const codes = (result: Answer) =>
  result.errors?.map((error) => [error.extensions?.code, error.extensions?.field]);

describe('Post.stats and Post.activity', () => {
  it('answers the stats of 50 posts with one InfluxDB query', async () => {
    const { result, trips } = await measure(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { id stats { views likes comments } } } }`,
      { reps: entities(posts) },
    );
    expect(result.errors).toBeUndefined();
    const stats = (result.data as { _entities: { stats: { likes: number; comments: number } }[] })._entities;
    expect(stats.map((post) => post.stats.comments)).toEqual(posts.map((_, index) => index));
    expect(stats[7]!.stats.likes).toBe(102);
    expect(stats[8]!.stats).toEqual({ views: 0, likes: 2, comments: 8 });
    expect(trips).toBe(1);
  });

  it('answers minute series of 50 posts with one query, every bucket present', async () => {
    const { result, trips } = await measure(
      `query($reps: [_Any!]!, $from: DateTime!, $to: DateTime!) { _entities(representations: $reps) {
        ... on Post { activity(metric: COMMENTS, from: $from, to: $to, interval: MINUTE) { start count } } } }`,
      {
        reps: entities(posts),
        from: new Date(now - 10 * 60_000).toISOString(),
        to: new Date(now).toISOString(),
      },
    );
    expect(result.errors).toBeUndefined();
    const series = (result.data as { _entities: { activity: { start: string; count: number }[] }[] })
      ._entities;
    const from = Math.floor((now - 10 * 60_000) / 60_000);
    expect(series[9]!.activity).toHaveLength(Math.ceil(now / 60_000) - from);
    expect(series[9]!.activity[0]!.start).toBe(new Date(from * 60_000).toISOString());
    expect(series[9]!.activity.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(9);
    expect(series[0]!.activity.every((bucket) => bucket.count === 0)).toBe(true);
    expect(trips).toBe(1);
  });

  it('names the argument of a bad range: from after to, too many buckets, beyond the retention', async () => {
    const query = `query($reps: [_Any!]!, $from: DateTime!, $to: DateTime!, $interval: Interval!) { _entities(representations: $reps) {
      ... on Post { activity(metric: LIKES, from: $from, to: $to, interval: $interval) { count } } } }`;
    const ask = (from: number, to: number, interval: string) =>
      callAsGateway(
        analytics.url,
        query,
        {
          reps: entities([posts[0]!]),
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          interval,
        },
        null,
        config.GATEWAY_SHARED_SECRET,
      );
    expect(codes(await ask(now, now - hour, 'HOUR'))).toEqual([['BAD_USER_INPUT', 'from']]);
    // 30 days of minutes: 43 200 buckets.
    expect(codes(await ask(now - 30 * 24 * hour + hour, now, 'MINUTE'))).toEqual([
      ['BAD_USER_INPUT', 'interval'],
    ]);
    // Raw points are kept 30 days: 40 days ago at MINUTE is past them (and fine by bucket count).
    expect(codes(await ask(now - 40 * 24 * hour, now - 40 * 24 * hour + hour, 'MINUTE'))).toEqual([
      ['BAD_USER_INPUT', 'from'],
    ]);
    // A year at HOUR is 8 760 buckets.
    expect(codes(await ask(now - 365 * 24 * hour, now, 'HOUR'))).toEqual([['BAD_USER_INPUT', 'interval']]);
    const unknownMetric = await callAsGateway(
      analytics.url,
      query.replace('LIKES', 'SHARES'),
      { reps: [], from: '', to: '', interval: 'DAY' },
      null,
      config.GATEWAY_SHARED_SECRET,
    );
    expect(unknownMetric.errors?.[0]?.message).toMatch(/SHARES/);
  });

  it('refuses ids that are not ids instead of putting them in a query', async () => {
    for (const id of ['x" or r.post != "', 'a) |> drop()', '', 'x'.repeat(65)]) {
      const { result, trips } = await measure(
        `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { stats { likes } } } }`,
        { reps: entities([id]) },
      );
      expect(codes(result)).toEqual([['BAD_USER_INPUT', 'id']]);
      expect(trips).toBe(0);
    }
  });
});

describe('Product.sales', () => {
  it('answers hourly sales of 20 products with one query, units and revenue per bucket', async () => {
    const query = `query($reps: [_Any!]!, $from: DateTime!, $to: DateTime!) { _entities(representations: $reps) {
      ... on Product { sales(from: $from, to: $to, interval: HOUR) { start units revenueCents } } } }`;
    const variables = {
      reps: entities(products, 'Product'),
      from: new Date(thisHour - 3 * hour).toISOString(),
      to: new Date(thisHour + hour).toISOString(),
    };
    // The hourly rollup is InfluxDB's continuous query (RESAMPLE EVERY 1s here).
    const answer = await waitFor(async () => {
      const { result } = await measure(query, variables);
      const sales = (result.data as { _entities: { sales: { units: number }[] }[] } | null)?._entities;
      const units = sales?.[19]?.sales.reduce((sum, bucket) => sum + bucket.units, 0);
      return units === 40 && result;
    });
    expect(answer.errors).toBeUndefined();
    const sales = (
      answer.data as { _entities: { sales: { start: string; units: number; revenueCents: number }[] }[] }
    )._entities;
    expect(sales[4]!.sales).toHaveLength(4);
    expect(sales[4]!.sales.reduce((sum, bucket) => sum + bucket.revenueCents, 0)).toBe(1000);
    expect(sales[4]!.sales.filter((bucket) => bucket.units > 0).map((bucket) => bucket.units)).toEqual([
      5, 5,
    ]);
    const { trips } = await measure(query, variables);
    expect(trips).toBe(1);
  });
});

describe('trendingPosts', () => {
  it('ranks the post with a burst of likes first', async () => {
    const result = await callAsGateway<{ trendingPosts: { post: { id: string }; score: number }[] }>(
      analytics.url,
      `{ trendingPosts(window: HOUR, first: 3) { post { id } score } }`,
      {},
      null,
      config.GATEWAY_SHARED_SECRET,
    );
    expect(result.errors).toBeUndefined();
    const ranked = result.data!.trendingPosts;
    expect(ranked.map((entry) => entry.post.id)).toEqual([posts[7], posts[49], posts[48]]);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
  });

  it('ranks over a day from the hourly rollup', async () => {
    const top = await waitFor(async () => {
      const result = await callAsGateway<{ trendingPosts: { post: { id: string } }[] }>(
        analytics.url,
        `{ trendingPosts(window: DAY, first: 1) { post { id } } }`,
        {},
        null,
        config.GATEWAY_SHARED_SECRET,
      );
      return result.data?.trendingPosts[0]?.post.id;
    });
    expect(top).toBe(posts[7]);
  });

  it('refuses first out of range', async () => {
    const result = await callAsGateway(
      analytics.url,
      `{ trendingPosts(window: DAY, first: 51) { score } }`,
      {},
      null,
      config.GATEWAY_SHARED_SECRET,
    );
    expect(codes(result)).toEqual([['BAD_USER_INPUT', 'first']]);
  });
});

describe('User.activity', () => {
  const query = `query($reps: [_Any!]!, $from: DateTime!, $to: DateTime!) { _entities(representations: $reps) {
    ... on User { activity(metric: COMMENTS, from: $from, to: $to, interval: HOUR) { start count } } } }`;

  it('is the user’s own, from the hourly rollup: anonymous and other viewers are refused', async () => {
    const variables = { reps: entities(['owner'], 'User'), ...range };
    const own = async () => {
      const answer = await callAsGateway<{ _entities: { activity: { start: string; count: number }[] }[] }>(
        analytics.url,
        query,
        variables,
        'owner',
        config.GATEWAY_SHARED_SECRET,
      );
      expect(answer.errors).toBeUndefined();
      return answer.data!._entities[0]!.activity;
    };
    // The continuous query rolls the raw points up within a few seconds (RESAMPLE EVERY 1s here).
    const buckets = await waitFor(async () => {
      const activity = await own();
      return activity.some((bucket) => bucket.count > 0) && activity;
    });
    expect(buckets).toHaveLength(2);
    const minuteAgo = Math.floor((now - 60_000) / hour) * hour;
    expect(buckets.find((bucket) => bucket.start === new Date(minuteAgo).toISOString())?.count).toBe(4);
    expect(
      codes(
        await callAsGateway(analytics.url, query, variables, 'someone-else', config.GATEWAY_SHARED_SECRET),
      ),
    ).toEqual([['FORBIDDEN', undefined]]);
    expect(
      codes(await callAsGateway(analytics.url, query, variables, null, config.GATEWAY_SHARED_SECRET)),
    ).toEqual([['UNAUTHENTICATED', undefined]]);
  });
});

describe('recordViews', () => {
  const record = (views: unknown[], viewer: string | null) =>
    callAsGateway<{ recordViews: { recorded: number; duplicates: number; ignored: number } }>(
      analytics.url,
      `mutation($views: [ViewInput!]!) { recordViews(views: $views) { recorded duplicates ignored } }`,
      { views },
      viewer,
      config.GATEWAY_SHARED_SECRET,
    );
  const views = async (postId: string) =>
    (await analytics.store.postTotals([postId])).find((row) => row.metric === 'view')?.count ?? 0;

  it('counts a viewer’s repeated view of a post once, anonymous viewers by their id, unknown posts not at all', async () => {
    const post = posts[20]!;
    const first = await record([{ postId: post }, { postId: post }, { postId: hexId() }], 'viewer-a');
    expect(first.data?.recordViews).toEqual({ recorded: 1, duplicates: 1, ignored: 1 });
    expect((await record([{ postId: post }], 'viewer-a')).data?.recordViews).toEqual({
      recorded: 0,
      duplicates: 1,
      ignored: 0,
    });
    expect(
      (await record([{ postId: post, anonymousId: 'browser-0001' }], null)).data?.recordViews,
    ).toMatchObject({ recorded: 1 });
    expect(
      (await record([{ postId: post, anonymousId: 'browser-0001' }], null)).data?.recordViews,
    ).toMatchObject({ duplicates: 1 });
    expect(await views(post)).toBe(2);
  });

  it('refuses an oversized batch, bad ids and bad anonymous ids, writing nothing', async () => {
    const post = posts[21]!;
    const tooMany = await record(
      Array.from({ length: 101 }, () => ({ postId: post })),
      'viewer-b',
    );
    expect(codes(tooMany)).toEqual([['BAD_USER_INPUT', 'views']]);
    expect(codes(await record([{ postId: post }, { postId: 'x" or 1' }], 'viewer-b'))).toEqual([
      ['BAD_USER_INPUT', 'views[1].postId'],
    ]);
    expect(codes(await record([{ postId: post, anonymousId: 'short' }], null))).toEqual([
      ['BAD_USER_INPUT', 'views[0].anonymousId'],
    ]);
    expect(await views(post)).toBe(0);
  });

  it('rate-limits a viewer: past the limit the whole call fails and records nothing', async () => {
    // 20 views a minute in this test's config.
    const batch = posts.slice(25, 40).map((postId) => ({ postId }));
    expect((await record(batch, 'viewer-c')).data?.recordViews.recorded).toBe(15);
    const over = await record(
      posts.slice(40, 50).map((postId) => ({ postId })),
      'viewer-c',
    );
    expect(codes(over)).toEqual([['RATE_LIMITED', undefined]]);
    expect(await views(posts[45]!)).toBe(0);
    // Another viewer is not affected.
    expect((await record([{ postId: posts[45]! }], 'viewer-d')).data?.recordViews.recorded).toBe(1);
  });
});
