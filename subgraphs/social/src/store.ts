import { Graph, int } from './neo4j.js';
import type { FollowDirection } from './models.js';
import { createEventWhen, outboxEvent } from './outbox.js';

/** A keyset position in a list ordered newest first: (time, id), both descending. */
export interface KeysetPosition {
  at: string;
  id: string;
}

export interface FollowPageRequest {
  key: string;
  userId: string;
  after: KeysetPosition | null;
}

export interface FollowRow {
  key: string;
  id: string;
  at: string;
}

export interface FollowCounts {
  id: string;
  followers: number;
  following: number;
}

export interface RecommendationRow {
  userId: string;
  id: string;
  mutualFollows: number;
}

export interface PathRequest {
  source: string;
  target: string;
}

export interface FeedRow {
  id: string;
  createdAt: string;
}

/** Longest follow chain connectionPath looks along. */
export const MAX_PATH_LENGTH = 6;

/** A post anyone may see and like: published and not deleted; authors also see their drafts. */
const visiblePost = (post: string) =>
  `NOT coalesce(${post}.deleted, false) AND (${post}.status = 'PUBLISHED' OR ${post}.authorId = $viewerId)`;

/** Newer first; rows after the cursor are strictly older, or equally old with a smaller id. */
const olderThan = (at: string, id: string, cursor: string) =>
  `(${cursor} IS NULL OR ${at} < ${cursor}.at OR (${at} = ${cursor}.at AND ${id} < ${cursor}.id))`;

const followPattern: Record<FollowDirection, string> = {
  followers: '(:User {id: request.userId})<-[follow:FOLLOWS]-(other:User)',
  following: '(:User {id: request.userId})-[follow:FOLLOWS]->(other:User)',
};

/**
 * The follow graph and likes: every method is one Cypher query, batched over its keys with
 * UNWIND where a field is resolved for many parents. A like, unlike, follow or unfollow that
 * changes the graph records its domain event in the same query (the outbox, outbox.ts), which the
 * relay publishes to `eventsStream`.
 */
export class SocialStore {
  constructor(
    readonly graph: Graph,
    private readonly eventsStream: string,
  ) {}

  followCounts(userIds: readonly string[]): Promise<FollowCounts[]> {
    return this.graph.read<FollowCounts>(
      `UNWIND $userIds AS userId
       MATCH (user:User {id: userId})
       RETURN userId AS id, COUNT { (user)<-[:FOLLOWS]-(:User) } AS followers, COUNT { (user)-[:FOLLOWS]->(:User) } AS following`,
      { userIds },
    );
  }

  /** The ids among `userIds` that the viewer follows. */
  async followedBy(viewerId: string, userIds: readonly string[]): Promise<string[]> {
    const rows = await this.graph.read<{ id: string }>(
      `UNWIND $userIds AS userId
       MATCH (:User {id: $viewerId})-[:FOLLOWS]->(:User {id: userId})
       RETURN userId AS id`,
      { viewerId, userIds },
    );
    return rows.map((row) => row.id);
  }

  /** One page (at most `limit` rows) of followers or followees per request. */
  followPages(
    direction: FollowDirection,
    requests: readonly FollowPageRequest[],
    limit: number,
  ): Promise<FollowRow[]> {
    return this.graph.read<FollowRow>(
      `UNWIND $requests AS request
       CALL (request) {
         MATCH ${followPattern[direction]}
         WHERE ${olderThan('follow.at', 'other.id', 'request.after')}
         RETURN other.id AS id, follow.at AS at
         ORDER BY at DESC, id DESC
         LIMIT $limit
       }
       RETURN request.key AS key, id, at`,
      { requests, limit: int(limit) },
    );
  }

  /**
   * Friends of friends of each user that the user neither follows nor is, ranked by how many of
   * the user's followees follow them, then by id; at most `limit` per user.
   */
  recommendations(userIds: readonly string[], limit: number): Promise<RecommendationRow[]> {
    return this.graph.read<RecommendationRow>(
      `UNWIND $userIds AS userId
       CALL (userId) {
         MATCH (user:User {id: userId})-[:FOLLOWS]->(mutual:User)-[:FOLLOWS]->(candidate:User)
         WHERE candidate <> user AND NOT EXISTS { (user)-[:FOLLOWS]->(candidate) }
         WITH candidate, count(DISTINCT mutual) AS mutualFollows
         RETURN candidate.id AS id, mutualFollows
         ORDER BY mutualFollows DESC, id ASC
         LIMIT $limit
       }
       RETURN userId, id, mutualFollows`,
      { userIds, limit: int(limit) },
    );
  }

  /** The ids along the shortest follow chain of each pair (ends included); pairs without one are absent. */
  async shortestPaths(requests: readonly PathRequest[]): Promise<(PathRequest & { ids: string[] })[]> {
    return this.graph.read<PathRequest & { ids: string[] }>(
      `UNWIND $requests AS request
       MATCH (source:User {id: request.source}), (target:User {id: request.target})
       WHERE source <> target
       CALL (source, target) {
         MATCH path = shortestPath((source)-[:FOLLOWS*..${MAX_PATH_LENGTH}]->(target))
         RETURN [node IN nodes(path) | node.id] AS ids
       }
       RETURN request.source AS source, request.target AS target, ids`,
      { requests },
    );
  }

  /** The ids among `userIds` that exist as users in the graph. */
  async existingUsers(userIds: readonly string[]): Promise<string[]> {
    const rows = await this.graph.read<{ id: string }>(
      'UNWIND $userIds AS userId MATCH (user:User {id: userId}) RETURN user.id AS id',
      { userIds },
    );
    return rows.map((row) => row.id);
  }

  /** Published posts by the users the viewer follows, newest first, after the cursor. */
  feedPage(viewerId: string, after: KeysetPosition | null, limit: number): Promise<FeedRow[]> {
    return this.graph.read<FeedRow>(
      `MATCH (:User {id: $viewerId})-[:FOLLOWS]->(:User)-[:AUTHORED]->(post:Post)
       WHERE post.status = 'PUBLISHED' AND NOT coalesce(post.deleted, false)
         AND ${olderThan('post.createdAt', 'post.id', '$after')}
       RETURN post.id AS id, post.createdAt AS createdAt
       ORDER BY createdAt DESC, id DESC
       LIMIT $limit`,
      { viewerId, after, limit: int(limit) },
    );
  }

  likeCounts(postIds: readonly string[]): Promise<{ id: string; likes: number }[]> {
    return this.graph.read<{ id: string; likes: number }>(
      `UNWIND $postIds AS postId
       MATCH (post:Post {id: postId})
       RETURN postId AS id, COUNT { (post)<-[:LIKED]-(:User) } AS likes`,
      { postIds },
    );
  }

  /** The ids among `postIds` that the viewer liked. */
  async likedBy(viewerId: string, postIds: readonly string[]): Promise<string[]> {
    const rows = await this.graph.read<{ id: string }>(
      `UNWIND $postIds AS postId
       MATCH (:User {id: $viewerId})-[:LIKED]->(:Post {id: postId})
       RETURN postId AS id`,
      { viewerId, postIds },
    );
    return rows.map((row) => row.id);
  }

  /**
   * Makes the viewer follow a user (the viewer's node is created if new). Returns when the follow
   * began (unchanged if it existed), or null when the user is unknown.
   */
  async follow(viewerId: string, userId: string, now: Date): Promise<string | null> {
    const event = outboxEvent(this.eventsStream, 'UserFollowed', `${viewerId}:${userId}`, now, {
      followerId: viewerId,
      followeeId: userId,
    });
    const rows = await this.graph.write<{ followedAt: string }>(
      `MATCH (target:User {id: $userId})
       MERGE (viewer:User {id: $viewerId})
       MERGE (viewer)-[follow:FOLLOWS]->(target)
         ON CREATE SET follow.at = $now, follow.createdBy = $event.eventId
       WITH follow, follow.createdBy = $event.eventId AS created
       REMOVE follow.createdBy
       ${createEventWhen('created')}
       RETURN follow.at AS followedAt`,
      { viewerId, userId, now: now.toISOString(), event },
    );
    return rows[0]?.followedAt ?? null;
  }

  /** Removes the follow if any; false when the user is unknown. */
  async unfollow(viewerId: string, userId: string, now = new Date()): Promise<boolean> {
    const event = outboxEvent(this.eventsStream, 'UserUnfollowed', `${viewerId}:${userId}`, now, {
      followerId: viewerId,
      followeeId: userId,
    });
    const rows = await this.graph.write<{ id: string }>(
      `MATCH (target:User {id: $userId})
       OPTIONAL MATCH (:User {id: $viewerId})-[follow:FOLLOWS]->(target)
       WITH target, follow, follow IS NOT NULL AS existed
       DELETE follow
       WITH target, existed
       ${createEventWhen('existed')}
       RETURN target.id AS id`,
      { viewerId, userId, event },
    );
    return rows.length > 0;
  }

  /** Records the viewer's like once; false when the post is unknown or not visible to the viewer. */
  async like(viewerId: string, postId: string, now: Date): Promise<boolean> {
    const event = outboxEvent(this.eventsStream, 'PostLiked', `${postId}:${viewerId}`, now, {
      postId,
      userId: viewerId,
    });
    const rows = await this.graph.write<{ id: string }>(
      `MATCH (post:Post {id: $postId})
       WHERE ${visiblePost('post')}
       MERGE (viewer:User {id: $viewerId})
       MERGE (viewer)-[like:LIKED]->(post)
         ON CREATE SET like.at = $now, like.createdBy = $event.eventId
       WITH post, like, like.createdBy = $event.eventId AS created
       REMOVE like.createdBy
       ${createEventWhen('created')}
       RETURN post.id AS id`,
      { viewerId, postId, now: now.toISOString(), event },
    );
    return rows.length > 0;
  }

  /** Removes the viewer's like if any; false when the post is unknown or not visible to the viewer. */
  async unlike(viewerId: string, postId: string, now = new Date()): Promise<boolean> {
    const event = outboxEvent(this.eventsStream, 'PostUnliked', `${postId}:${viewerId}`, now, {
      postId,
      userId: viewerId,
    });
    const rows = await this.graph.write<{ id: string }>(
      `MATCH (post:Post {id: $postId})
       WHERE ${visiblePost('post')}
       OPTIONAL MATCH (:User {id: $viewerId})-[like:LIKED]->(post)
       WITH post, like, like IS NOT NULL AS existed
       DELETE like
       WITH post, existed
       ${createEventWhen('existed')}
       RETURN post.id AS id`,
      { viewerId, postId, event },
    );
    return rows.length > 0;
  }
}
