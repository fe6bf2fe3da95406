import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@aetherial/events';
import type { CommentRecord } from './models/comment.js';
import type { OutboxEventDocument } from './models/outbox-event.js';
import type { PendingEvent } from './models/pending-event.js';
import type { PostRecord } from './models/post.js';

export type PostEventType = 'PostCreated' | 'PostUpdated' | 'PostDeleted';
export type CommentEventType = 'CommentAdded';

let lastSequence = 0;

/** Strictly increasing in this process, and close to time order across processes. */
export function nextSequence(at: Date): number {
  lastSequence = Math.max(lastSequence + 1, at.getTime() * 1000);
  return lastSequence;
}

/** The public state of a post as events carry it (ISO dates: the payload goes out as JSON). */
export function postPayload(post: Omit<PostRecord, 'deletedAt' | 'commentCount'>): Record<string, unknown> {
  return {
    id: post._id.toHexString(),
    authorId: post.authorId,
    title: post.title,
    body: post.body,
    tags: [...post.tags],
    status: post.status,
    version: post.version,
    createdAt: post.createdAt.toISOString(),
    updatedAt: post.updatedAt.toISOString(),
  };
}

/** `postAuthorId` lets the gateway route a notification to the post's author without a lookup. */
export function commentPayload(comment: CommentRecord, postAuthorId: string): Record<string, unknown> {
  return {
    id: comment._id.toHexString(),
    postId: comment.postId.toHexString(),
    postAuthorId,
    authorId: comment.authorId,
    body: comment.body,
    version: comment.version,
    createdAt: comment.createdAt.toISOString(),
  };
}

export function pendingEvent(
  type: PostEventType | CommentEventType,
  entity: 'Post' | 'Comment',
  entityId: string,
  version: number,
  occurredAt: Date,
  payload: Record<string, unknown> | null,
): PendingEvent {
  return {
    eventId: randomUUID(),
    sequence: nextSequence(occurredAt),
    type,
    entity,
    entityId,
    version,
    occurredAt,
    payload,
  };
}

export function toOutboxEvent(event: PendingEvent, batch: string): OutboxEventDocument {
  return {
    _id: event.eventId,
    batch,
    sequence: event.sequence,
    type: event.type,
    entity: event.entity,
    entityId: event.entityId,
    version: event.version,
    occurredAt: event.occurredAt,
    payload: event.payload ?? null,
  };
}

export function toDomainEvent(event: OutboxEventDocument): DomainEvent {
  return {
    eventId: event._id,
    type: event.type,
    entity: event.entity,
    entityId: event.entityId,
    version: event.version,
    occurredAt: event.occurredAt.toISOString(),
    payload: event.payload ?? null,
  };
}
