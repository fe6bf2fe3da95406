import {
  addCacheTags,
  badUserInput,
  cacheTag,
  connectionFrom,
  dateTimeScalar,
  decodeKeysetCursor,
  encodeKeysetCursor,
  notFound,
  pageSize,
  unauthenticated,
} from '@aetherial/subgraph-kit';
import type { SocialContext } from './context.js';
import { socialCacheTags } from './outbox.js';
import type { Resolvers } from './generated/graphql.js';
import type { FollowConnectionModel, FollowDirection } from './models.js';

const MAX_RECOMMENDATIONS = 100;

function requireViewer(context: SocialContext): string {
  if (context.viewer.userId === null) throw unauthenticated();
  return context.viewer.userId;
}

function requireId(field: string, id: string): string {
  const trimmed = id.trim();
  if (trimmed === '') throw badUserInput(field, 'must not be empty');
  return trimmed;
}

async function followConnection(
  context: SocialContext,
  direction: FollowDirection,
  userId: string,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<FollowConnectionModel> {
  const size = pageSize(first);
  const position = decodeKeysetCursor(direction, after) ?? null;
  const rows = await context.loaders[direction].load({ userId, after: position, limit: size + 1 });
  const connection = connectionFrom(
    rows,
    size,
    (row) => encodeKeysetCursor(direction, row),
    position !== null,
  );
  return {
    edges: connection.edges.map(({ cursor, node }) => ({
      cursor,
      node: { id: node.id },
      followedAt: node.at,
    })),
    pageInfo: connection.pageInfo,
    userId,
    direction,
  };
}

export const resolvers: Resolvers = {
  DateTime: dateTimeScalar,

  User: {
    __resolveReference: (reference) => ({ id: reference.id }),
    followers: (user, { first, after }, context) =>
      followConnection(context, 'followers', user.id, first, after),
    following: (user, { first, after }, context) =>
      followConnection(context, 'following', user.id, first, after),
    followerCount: async (user, _args, { loaders }) => (await loaders.followCounts.load(user.id)).followers,
    followingCount: async (user, _args, { loaders }) => (await loaders.followCounts.load(user.id)).following,
    viewerFollows: (user, _args, { loaders }) => loaders.viewerFollows.load(user.id),
    recommendedFollows: async (user, { limit }, { loaders }) => {
      const count = limit ?? 10;
      if (!Number.isInteger(count) || count < 1 || count > MAX_RECOMMENDATIONS) {
        throw badUserInput('limit', `must be between 1 and ${MAX_RECOMMENDATIONS}, got ${count}`);
      }
      const rows = await loaders.recommendations.load({ userId: user.id, limit: count });
      return rows.map((row) => ({ user: { id: row.id }, mutualFollows: row.mutualFollows }));
    },
    connectionPath: async (user, { to }, { loaders }) => {
      const ids = await loaders.connectionPath.load({ source: user.id, target: requireId('to', to) });
      return ids?.map((id) => ({ id })) ?? null;
    },
  },

  FollowConnection: {
    totalCount: async (connection, _args, { loaders }) =>
      (await loaders.followCounts.load(connection.userId))[connection.direction],
  },

  Post: {
    __resolveReference: (reference) => ({ id: reference.id }),
    likeCount: (post, _args, { loaders }) => loaders.likeCount.load(post.id),
    viewerHasLiked: (post, _args, { loaders }) => loaders.viewerHasLiked.load(post.id),
  },

  Query: {
    feed: async (_root, { first, after }, context) => {
      const viewerId = requireViewer(context);
      // The viewer's follows decide what the feed holds: a follow or unfollow drops this tag.
      addCacheTags(context, [cacheTag.childList('User', viewerId, 'feed')]);
      const size = pageSize(first);
      const position = decodeKeysetCursor('feed', after) ?? null;
      const rows = await context.store.feedPage(viewerId, position, size + 1);
      const connection = connectionFrom(
        rows,
        size,
        (row) => encodeKeysetCursor('feed', { at: row.createdAt, id: row.id }),
        position !== null,
      );
      return {
        edges: connection.edges.map(({ cursor, node }) => ({ cursor, node: { id: node.id } })),
        pageInfo: connection.pageInfo,
      };
    },
  },

  Mutation: {
    follow: async (_root, args, context) => {
      const viewerId = requireViewer(context);
      const userId = requireId('userId', args.userId);
      if (userId === viewerId) throw badUserInput('userId', 'you cannot follow yourself');
      const followedAt = await context.store.follow(viewerId, userId, new Date());
      if (followedAt === null) throw notFound('User', userId);
      forgetFollow(context, viewerId, userId);
      addCacheTags(context, socialCacheTags('UserFollowed', { followerId: viewerId, followeeId: userId }));
      return { user: { id: userId }, viewer: { id: viewerId }, viewerFollows: true, followedAt };
    },
    unfollow: async (_root, args, context) => {
      const viewerId = requireViewer(context);
      const userId = requireId('userId', args.userId);
      if (userId === viewerId) throw badUserInput('userId', 'you cannot unfollow yourself');
      if (!(await context.store.unfollow(viewerId, userId))) throw notFound('User', userId);
      forgetFollow(context, viewerId, userId);
      addCacheTags(context, socialCacheTags('UserUnfollowed', { followerId: viewerId, followeeId: userId }));
      return { user: { id: userId }, viewer: { id: viewerId }, viewerFollows: false, followedAt: null };
    },
    likePost: async (_root, args, context) => {
      const viewerId = requireViewer(context);
      const postId = requireId('postId', args.postId);
      if (!(await context.store.like(viewerId, postId, new Date()))) throw notFound('Post', postId);
      forgetLike(context, postId);
      addCacheTags(context, socialCacheTags('PostLiked', { postId }));
      return { post: { id: postId }, viewerHasLiked: true };
    },
    unlikePost: async (_root, args, context) => {
      const viewerId = requireViewer(context);
      const postId = requireId('postId', args.postId);
      if (!(await context.store.unlike(viewerId, postId))) throw notFound('Post', postId);
      forgetLike(context, postId);
      addCacheTags(context, socialCacheTags('PostUnliked', { postId }));
      return { post: { id: postId }, viewerHasLiked: false };
    },
  },
};

/** After a write, later fields of the same request must not answer from loader caches filled before it. */
function forgetFollow({ loaders }: SocialContext, viewerId: string, userId: string): void {
  loaders.followCounts.clear(viewerId).clear(userId);
  loaders.viewerFollows.clear(userId);
  loaders.followers.clearAll();
  loaders.following.clearAll();
  loaders.recommendations.clearAll();
  loaders.connectionPath.clearAll();
}

function forgetLike({ loaders }: SocialContext, postId: string): void {
  loaders.likeCount.clear(postId);
  loaders.viewerHasLiked.clear(postId);
}
