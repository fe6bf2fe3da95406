import type { PageInfo } from '@aetherial/subgraph-kit';

/** Parent values of the resolvers: entities are just their id; fields come from loaders. */
export interface UserRef {
  id: string;
}

export interface PostRef {
  id: string;
}

export type FollowDirection = 'followers' | 'following';

export interface FollowEdgeModel {
  cursor: string;
  node: UserRef;
  followedAt: string;
}

export interface FollowConnectionModel {
  edges: FollowEdgeModel[];
  pageInfo: PageInfo;
  /** Whose followers/following these are, for totalCount. */
  userId: string;
  direction: FollowDirection;
}

export interface RecommendationModel {
  user: UserRef;
  mutualFollows: number;
}

export interface FollowPayloadModel {
  user: UserRef;
  viewer: UserRef;
  viewerFollows: boolean;
  followedAt: string | null;
}

export interface LikePayloadModel {
  post: PostRef;
  viewerHasLiked: boolean;
}
