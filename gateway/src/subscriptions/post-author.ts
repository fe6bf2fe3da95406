import type { DomainEvent } from '@aetherial/events';
import type { ExecuteAsViewer } from './resolve-event.js';
import { GATEWAY_ITSELF } from './viewer.js';

const POST_AUTHOR = `query AetherialEventPostAuthor($id: ID!) { post(id: $id) { author { id } } }`;

/**
 * A like event names the post and who liked it, not the post's author, whom a `LIKED`
 * notification is for. Before such an event is routed, and only while someone subscribes to
 * notifications, one anonymous query per event adds `postAuthorId` (only a published post can be
 * liked by someone else). Events that already carry it, and every other event, pass untouched.
 */
export function postAuthorEnricher(options: {
  execute: ExecuteAsViewer;
  /** Whether a `notifications` subscription could receive this event type. */
  wanted: (eventType: string) => boolean;
}) {
  return async (event: DomainEvent): Promise<DomainEvent> => {
    if (event.type !== 'PostLiked' || !event.payload || 'postAuthorId' in event.payload) return event;
    if (!options.wanted(event.type)) return event;
    const postId = event.payload.postId;
    if (typeof postId !== 'string') return event;
    const result = await options.execute(POST_AUTHOR, { id: postId }, GATEWAY_ITSELF);
    const post = result.data?.post as { author?: { id?: unknown } } | null | undefined;
    const postAuthorId = post?.author?.id;
    return typeof postAuthorId === 'string'
      ? { ...event, payload: { ...event.payload, postAuthorId } }
      : event;
  };
}
