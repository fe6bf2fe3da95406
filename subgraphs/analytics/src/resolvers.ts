import {
  badUserInput,
  dateTimeScalar,
  forbidden,
  graphQLError,
  hasScope,
  unauthenticated,
  type Viewer,
} from '@aetherial/subgraph-kit';
import type { GraphQLResolveInfo } from 'graphql';
import type { PostMetric, Resolvers, UserMetric } from './generated/graphql.js';
import { graphActivityBuckets } from './graph-activity.js';
import { requireEntityId } from './ids.js';
import type { PostMetricTag, UserMetricTag } from './points.js';
import { seriesMaxAge, seriesRange, type SeriesRange } from './ranges.js';

/** Most posts trendingPosts ranks. */
export const MAX_TRENDING = 50;

const POST_METRIC: Record<PostMetric, PostMetricTag> = { VIEWS: 'view', LIKES: 'like', COMMENTS: 'comment' };

const USER_METRIC: Record<UserMetric, UserMetricTag> = {
  POSTS: 'post',
  COMMENTS: 'comment',
  LIKES: 'like',
  FOLLOWS: 'follow',
  ORDERS: 'order',
  VIEWS: 'view',
};

interface CacheControlInfo {
  cacheControl?: { setCacheHint: (hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) => void };
}

/** Apollo's dynamic cache hint: short for a series still moving, long for a closed one. */
function hintSeries(info: GraphQLResolveInfo, range: SeriesRange, scope: 'PUBLIC' | 'PRIVATE'): void {
  (info as GraphQLResolveInfo & CacheControlInfo).cacheControl?.setCacheHint({
    maxAge: seriesMaxAge(range),
    scope,
  });
}

/** The metric named by an enum value (GraphQL validated it; a value of another schema version is named). */
function metricOf<E extends string, T>(table: Record<E, T>, metric: E): T {
  const tag = table[metric];
  if (tag === undefined) throw badUserInput('metric', `unknown metric ${String(metric)}`);
  return tag;
}

/** The scope graphActivity needs (the gateway enforces @requiresScopes first; this is defence in depth). */
export const ADMIN_SCOPE = 'admin';

function requireAdmin(viewer: Viewer, field: string): void {
  if (hasScope(viewer, ADMIN_SCOPE)) return;
  throw graphQLError(
    viewer.userId === null ? 'UNAUTHENTICATED' : 'FORBIDDEN',
    `${field} needs the scope ${ADMIN_SCOPE}`,
    { requiredScopes: [ADMIN_SCOPE] },
  );
}

export const resolvers: Resolvers = {
  DateTime: dateTimeScalar,

  Post: {
    __resolveReference: (reference) => ({ id: reference.id }),
    stats: (post, _args, { loaders }) => loaders.postTotals.load(requireEntityId('id', post.id)),
    activity: (post, args, { loaders, config }, info) => {
      const range = seriesRange(args, config);
      hintSeries(info, range, 'PUBLIC');
      return loaders.postActivity.load({
        id: requireEntityId('id', post.id),
        metric: metricOf(POST_METRIC, args.metric),
        range,
      });
    },
  },

  User: {
    __resolveReference: (reference) => ({ id: reference.id }),
    activity: (user, args, { loaders, config, viewer }, info) => {
      if (viewer.userId === null) throw unauthenticated();
      if (viewer.userId !== user.id) throw forbidden('only the user themself may read their activity');
      const range = seriesRange(args, config);
      hintSeries(info, range, 'PRIVATE');
      return loaders.userActivity.load({
        id: requireEntityId('id', user.id),
        metric: metricOf(USER_METRIC, args.metric),
        range,
      });
    },
  },

  Product: {
    __resolveReference: (reference) => ({ id: reference.id }),
    sales: (product, args, { loaders, config }, info) => {
      const range = seriesRange(args, config);
      hintSeries(info, range, 'PUBLIC');
      return loaders.sales.load({ id: requireEntityId('id', product.id), range });
    },
  },

  Query: {
    trendingPosts: async (_root, { window, first }, { store }) => {
      const count = first ?? 10;
      if (!Number.isInteger(count) || count < 1 || count > MAX_TRENDING)
        throw badUserInput('first', `must be between 1 and ${MAX_TRENDING}, got ${count}`);
      const rows = await store.trending(window, count);
      return rows.map((row) => ({ post: { id: row.post }, score: row.score }));
    },
    graphActivity: async (_root, args, { store, config, viewer }, info) => {
      requireAdmin(viewer, 'graphActivity');
      const range = seriesRange(args, config);
      hintSeries(info, range, 'PRIVATE');
      return graphActivityBuckets(range, await store.graphActivity(range));
    },
  },

  Mutation: {
    recordViews: (_root, { views }, { views: recorder, viewer }) => recorder.record(viewer.userId, views),
  },
};
