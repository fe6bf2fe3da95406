import DataLoader from 'dataloader';
import { byKeys, groupedByKeys } from '@aetherial/subgraph-kit';
import type { FollowDirection } from './models.js';
import type { FollowRow, KeysetPosition, PathRequest, RecommendationRow, SocialStore } from './store.js';

export interface FollowPageKey {
  userId: string;
  after: KeysetPosition | null;
  /** Rows to fetch: the page size plus one to tell whether there is a next page. */
  limit: number;
}

export interface RecommendationKey {
  userId: string;
  limit: number;
}

/** Loaders keyed by objects compare keys by value. */
const byValue = { cacheKeyFn: (key: object) => JSON.stringify(key) };

/**
 * Per-request loaders: each batch is one Cypher query, whatever the number of parents, and
 * answers in key order (missing -> zero / false / null).
 */
export function createLoaders(store: SocialStore, viewerId: string | null) {
  const followPages = (direction: FollowDirection) =>
    new DataLoader<FollowPageKey, FollowRow[], string>(async (keys) => {
      // One query for the batch with the largest page; smaller pages are cut from it.
      const limit = Math.max(...keys.map((key) => key.limit));
      const requests = keys.map((key, index) => ({
        key: String(index),
        userId: key.userId,
        after: key.after,
      }));
      const rows = await store.followPages(direction, requests, limit);
      const grouped = groupedByKeys(
        requests.map((request) => request.key),
        rows,
        (row) => row.key,
      );
      return grouped.map((group, index) => group.slice(0, keys[index]!.limit));
    }, byValue);

  return {
    followCounts: new DataLoader<string, { followers: number; following: number }>(async (userIds) => {
      const rows = await store.followCounts(userIds);
      return byKeys(userIds, rows, (row) => row.id).map((row) => row ?? { followers: 0, following: 0 });
    }),

    viewerFollows: new DataLoader<string, boolean>(async (userIds) => {
      if (viewerId === null) return userIds.map(() => false);
      const followed = new Set(await store.followedBy(viewerId, userIds));
      return userIds.map((id) => followed.has(id));
    }),

    followers: followPages('followers'),
    following: followPages('following'),

    recommendations: new DataLoader<RecommendationKey, RecommendationRow[], string>(async (keys) => {
      const userIds = [...new Set(keys.map((key) => key.userId))];
      const rows = await store.recommendations(userIds, Math.max(...keys.map((key) => key.limit)));
      const groups = groupedByKeys(userIds, rows, (row) => row.userId);
      const byUser = new Map(userIds.map((id, index) => [id, groups[index] ?? []]));
      return keys.map((key) => (byUser.get(key.userId) ?? []).slice(0, key.limit));
    }, byValue),

    connectionPath: new DataLoader<PathRequest, string[] | null, string>(async (keys) => {
      const rows = await store.shortestPaths(keys.filter((key) => key.source !== key.target));
      const found = new Map(
        rows.map((row) => [JSON.stringify({ source: row.source, target: row.target }), row.ids]),
      );
      // A user reaches themself without a follow, if they exist at all.
      const selfIds = keys.filter((key) => key.source === key.target).map((key) => key.source);
      const existing = new Set(selfIds.length > 0 ? await store.existingUsers(selfIds) : []);
      return keys.map((key) => {
        if (key.source === key.target) return existing.has(key.source) ? [key.source] : null;
        return found.get(JSON.stringify({ source: key.source, target: key.target })) ?? null;
      });
    }, byValue),

    likeCount: new DataLoader<string, number>(async (postIds) => {
      const rows = await store.likeCounts(postIds);
      return byKeys(postIds, rows, (row) => row.id).map((row) => row?.likes ?? 0);
    }),

    viewerHasLiked: new DataLoader<string, boolean>(async (postIds) => {
      if (viewerId === null) return postIds.map(() => false);
      const liked = new Set(await store.likedBy(viewerId, postIds));
      return postIds.map((id) => liked.has(id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
