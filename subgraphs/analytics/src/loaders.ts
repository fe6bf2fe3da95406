import DataLoader from 'dataloader';
import type { ActivityBucket, SalesBucket } from './generated/graphql.js';
import type { PostMetricTag, UserMetricTag } from './points.js';
import { rangeKey, type SeriesRange } from './ranges.js';
import type { AnalyticsStore, SalesRow, SeriesRow } from './store.js';

export interface Totals {
  views: number;
  likes: number;
  comments: number;
}

export interface SeriesKey {
  id: string;
  metric: PostMetricTag | UserMetricTag;
  range: SeriesRange;
}

export interface SalesKey {
  id: string;
  range: SeriesRange;
}

const seriesCacheKey = (key: SeriesKey) => `${key.metric}:${rangeKey(key.range)}:${key.id}`;

/** Groups keys by what one query can answer together (same metric and range), in first-seen order. */
function groupsOf<K extends { id: string }>(keys: readonly K[], groupOf: (key: K) => string): K[][] {
  const groups = new Map<string, K[]>();
  for (const key of keys) {
    const group = groups.get(groupOf(key));
    if (group) group.push(key);
    else groups.set(groupOf(key), [key]);
  }
  return [...groups.values()];
}

function rowsById<T extends { id: string }>(rows: readonly T[]): Map<string, T[]> {
  const byId = new Map<string, T[]>();
  for (const row of rows) {
    const list = byId.get(row.id);
    if (list) list.push(row);
    else byId.set(row.id, [row]);
  }
  return byId;
}

/**
 * Per-request loaders: every post's stats in one query, every series of the same metric and range
 * in one query, whatever the number of parents. Series come back with every bucket of the range,
 * empty ones as 0.
 */
export function createLoaders(store: AnalyticsStore) {
  const series = (kind: 'post' | 'user') =>
    new DataLoader<SeriesKey, ActivityBucket[], string>(
      async (keys) => {
        const answers = new Map<string, ActivityBucket[]>();
        for (const group of groupsOf(keys, (key) => `${key.metric}:${rangeKey(key.range)}`)) {
          const { metric, range } = group[0]!;
          const ids = [...new Set(group.map((key) => key.id))];
          const byId = rowsById<SeriesRow>(await store.activity(kind, metric, range, ids));
          for (const key of group) {
            const counts = new Map((byId.get(key.id) ?? []).map((row) => [row.start, row.count]));
            answers.set(
              seriesCacheKey(key),
              range.starts.map((start) => ({
                start: start.toISOString(),
                count: counts.get(start.getTime()) ?? 0,
              })),
            );
          }
        }
        return keys.map((key) => answers.get(seriesCacheKey(key))!);
      },
      { cacheKeyFn: seriesCacheKey },
    );

  const salesCacheKey = (key: SalesKey) => `${rangeKey(key.range)}:${key.id}`;

  return {
    postTotals: new DataLoader<string, Totals>(async (postIds) => {
      const totals = new Map(postIds.map((id) => [id, { views: 0, likes: 0, comments: 0 }]));
      for (const row of await store.postTotals(postIds)) {
        const post = totals.get(row.post);
        if (!post) continue;
        if (row.metric === 'view') post.views += row.count;
        if (row.metric === 'like') post.likes += row.count;
        if (row.metric === 'comment') post.comments += row.count;
      }
      return postIds.map((id) => totals.get(id)!);
    }),

    postActivity: series('post'),
    userActivity: series('user'),

    sales: new DataLoader<SalesKey, SalesBucket[], string>(
      async (keys) => {
        const answers = new Map<string, SalesBucket[]>();
        for (const group of groupsOf(keys, (key) => rangeKey(key.range))) {
          const { range } = group[0]!;
          const byId = rowsById<SalesRow>(await store.sales(range, [...new Set(group.map((key) => key.id))]));
          for (const key of group) {
            const buckets = new Map((byId.get(key.id) ?? []).map((row) => [row.start, row]));
            answers.set(
              salesCacheKey(key),
              range.starts.map((start) => {
                const row = buckets.get(start.getTime());
                return {
                  start: start.toISOString(),
                  units: row?.units ?? 0,
                  revenueCents: row?.revenueCents ?? 0,
                };
              }),
            );
          }
        }
        return keys.map((key) => answers.get(salesCacheKey(key))!);
      },
      { cacheKeyFn: salesCacheKey },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
