import { randomUUID } from 'node:crypto';
import type { DomainEvent, Outbox } from '@aetherial/events';
import { cacheTag } from '@aetherial/subgraph-kit';
import { Graph, int } from './neo4j.js';

/** The events social writes for its own changes: likes and follows. */
export type SocialEventType = 'PostLiked' | 'PostUnliked' | 'UserFollowed' | 'UserUnfollowed';

/**
 * An event as a node of the outbox, created in the same Cypher query (one transaction) as the like
 * or follow it records, and only when the query changed something. `stream` keeps the outboxes of
 * graphs sharing one Neo4j database apart (the demo graph, e2e, bench); `id` starts with the
 * entity's ids, so a test that deletes its nodes by prefix deletes its events too.
 */
export interface OutboxEventParams {
  eventId: string;
  id: string;
  stream: string;
  sequence: ReturnType<typeof int>;
  type: SocialEventType;
  entity: 'Like' | 'Follow';
  entityId: string;
  version: ReturnType<typeof int>;
  occurredAt: string;
  payload: string;
}

let lastSequence = 0;

/** Strictly increasing in this process, and close to time order across processes (as content's). */
function nextSequence(at: Date): number {
  lastSequence = Math.max(lastSequence + 1, at.getTime() * 1000);
  return lastSequence;
}

/**
 * A like is entity `Like` (id `<postId>:<userId>`), a follow `Follow` (`<followerId>:<followeeId>`):
 * not `Post` or `User`, whose events carry the post's or user's own state to search and semantic.
 * Their version is the time of the change in milliseconds (a like has no stored version to grow).
 */
export function outboxEvent(
  stream: string,
  type: SocialEventType,
  entityId: string,
  occurredAt: Date,
  payload: Record<string, string>,
): OutboxEventParams {
  const eventId = randomUUID();
  return {
    eventId,
    id: `${entityId}:event:${eventId}`,
    stream,
    sequence: int(nextSequence(occurredAt)),
    type,
    entity: type.startsWith('Post') ? 'Like' : 'Follow',
    entityId,
    version: int(occurredAt.getTime()),
    occurredAt: occurredAt.toISOString(),
    payload: JSON.stringify(payload),
  };
}

/**
 * What a like or follow makes stale in the gateway's cache: the liked post (likeCount,
 * viewerHasLiked), both users of a follow (followerCount, followingCount, followers, following,
 * viewerFollows) and the follower's feed. Derived from the stored payload.
 */
export function socialCacheTags(type: string, payload: Record<string, unknown>): string[] {
  const id = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : null);
  const tags: string[] = [];
  if (type === 'PostLiked' || type === 'PostUnliked') {
    const postId = id('postId');
    if (postId) tags.push(cacheTag.entity('Post', postId));
  } else if (type === 'UserFollowed' || type === 'UserUnfollowed') {
    const follower = id('followerId');
    const followee = id('followeeId');
    if (follower) tags.push(cacheTag.entity('User', follower), cacheTag.childList('User', follower, 'feed'));
    if (followee) tags.push(cacheTag.entity('User', followee));
  }
  return tags;
}

/** Cypher that creates the event node `$event` when `condition` holds (inside a larger query). */
export const createEventWhen = (condition: string): string =>
  `FOREACH (_ IN CASE WHEN ${condition} THEN [1] ELSE [] END | CREATE (:OutboxEvent $event))`;

interface OutboxRow {
  eventId: string;
  type: string;
  entity: string;
  entityId: string;
  version: number;
  occurredAt: string;
  payload: string;
}

/** The outbox the relay of packages/events publishes from: oldest first, deleted once published. */
export class Neo4jOutbox implements Outbox {
  constructor(
    private readonly graph: Graph,
    private readonly stream: string,
  ) {}

  async pending(limit: number): Promise<DomainEvent[]> {
    const rows = await this.graph.read<OutboxRow>(
      `MATCH (event:OutboxEvent {stream: $stream})
       RETURN event.eventId AS eventId, event.type AS type, event.entity AS entity, event.entityId AS entityId,
              event.version AS version, event.occurredAt AS occurredAt, event.payload AS payload
       ORDER BY event.sequence
       LIMIT $limit`,
      { stream: this.stream, limit: int(limit) },
    );
    return rows.map((row) => {
      const payload = JSON.parse(row.payload) as Record<string, unknown>;
      return { ...row, payload, cacheTags: socialCacheTags(row.type, payload) };
    });
  }

  async markPublished(eventIds: string[]): Promise<void> {
    await this.graph.write(
      'UNWIND $eventIds AS eventId MATCH (event:OutboxEvent {eventId: eventId}) DELETE event',
      {
        eventIds,
      },
    );
  }
}
