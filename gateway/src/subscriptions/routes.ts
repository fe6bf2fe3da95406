import type { DomainEvent } from '@aetherial/events';

/** A root query field of the supergraph that loads the entity an event is about. */
export interface EntityLookup {
  rootField: string;
  args: Record<string, string>;
}

/**
 * What a subscription root field's value is for one event: the answer of a root query (the whole
 * selection set runs under it, so the gateway plans the entity fetches into every subgraph), or an
 * object the gateway builds from the event whose reference fields are such lookups.
 */
export type EventPayload =
  | {
      kind: 'entity';
      lookup: EntityLookup;
      /**
       * Fields the event itself states (the change it is about): they win over the entity's
       * current state, which a later change may already have moved on (PAID then SHIPPED at once
       * must deliver PAID, then SHIPPED).
       */
      values?: Record<string, unknown>;
    }
  | {
      kind: 'object';
      typename: string;
      values: Record<string, unknown>;
      references: Record<string, EntityLookup>;
    };

export type SubscriptionArgs = Record<string, unknown>;

/** How one `Subscription` field of the supergraph is fed from the domain-event stream. */
export interface SubscriptionRoute {
  eventTypes: readonly string[];
  /** Refused without a signed-in viewer (UNAUTHENTICATED). */
  requiresViewer: boolean;
  /**
   * The index key of a subscription, and the key an event is delivered under: only subscriptions
   * with the event's key are looked at. Without it every subscription of the event types is.
   */
  key?: {
    ofSubscription: (args: SubscriptionArgs, viewerId: string | null) => string;
    /** Several keys: the event is for each of them (an author's post, for each follower's feed). */
    ofEvent: (event: DomainEvent) => string | Iterable<string> | undefined;
  };
  /** The rest of the filter, on the raw event, before anything is resolved. */
  matches?: (event: DomainEvent, args: SubscriptionArgs, viewerId: string | null) => boolean;
  payload: (event: DomainEvent) => EventPayload | undefined;
  /**
   * A subscription of this route starts: resolves once what its filter needs is loaded (a
   * viewer's follows), rejects when it cannot be served. `detach` when it ends, however it ends.
   */
  attach?: (viewerId: string | null) => Promise<void>;
  detach?: (viewerId: string | null) => void;
  /** A last check of an event routed to the subscription, just before it is resolved. */
  admits?: (event: DomainEvent, viewerId: string | null) => Promise<boolean>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const field = (event: DomainEvent, name: string): unknown => event.payload?.[name];

const post = (id: string): EventPayload => ({ kind: 'entity', lookup: { rootField: 'post', args: { id } } });

const actorOf = (event: DomainEvent): string | undefined =>
  text(
    field(
      event,
      event.type === 'CommentAdded' ? 'authorId' : event.type === 'UserFollowed' ? 'followerId' : 'userId',
    ),
  );

const kinds: Record<string, string> = {
  CommentAdded: 'COMMENTED',
  PostLiked: 'LIKED',
  UserFollowed: 'FOLLOWED',
};

/** A `Notification` from a comment (content), a like or a follow (social). */
function notification(event: DomainEvent): EventPayload | undefined {
  const actorId = actorOf(event);
  const postId = text(field(event, 'postId'));
  const kind = kinds[event.type];
  if (!actorId || !kind) return undefined;
  const references: Record<string, EntityLookup> = { actor: { rootField: 'user', args: { id: actorId } } };
  const values: Record<string, unknown> = { kind, occurredAt: event.occurredAt, post: null, comment: null };
  if (postId) {
    references.post = { rootField: 'post', args: { id: postId } };
    delete values.post;
  }
  if (event.type === 'CommentAdded') {
    references.comment = { rootField: 'comment', args: { id: event.entityId } };
    delete values.comment;
  }
  return { kind: 'object', typename: 'Notification', values, references };
}

interface PostAddedFilter {
  authorId?: string | null;
  tags?: readonly string[] | null;
}

/**
 * The graph's subscriptions and the events they come from (content: posts and comments; social:
 * likes and follows, `PostLiked {postId, userId}`, `UserFollowed {followerId, followeeId}`; core:
 * `OrderStatusChanged {buyerId, status, previousStatus}`). A like carries no post author: the
 * gateway looks it up before routing (see post-author.ts). `feedUpdated` needs the viewer's follows
 * and is added per gateway process (feed-follows.ts).
 */
export const subscriptionRoutes: Record<string, SubscriptionRoute> = {
  postAdded: {
    // Created as PUBLISHED, or a draft published later: either way it appears to readers now.
    eventTypes: ['PostCreated', 'PostUpdated'],
    requiresViewer: false,
    matches: (event, args) => {
      if (!isPublication(event)) return false;
      const filter = (args.filter ?? {}) as PostAddedFilter;
      if (filter.authorId && field(event, 'authorId') !== filter.authorId) return false;
      if (filter.tags && filter.tags.length > 0) {
        const tags = field(event, 'tags');
        const wanted = new Set(filter.tags.map((tag) => tag.trim().toLowerCase()));
        if (!Array.isArray(tags) || !tags.some((tag) => typeof tag === 'string' && wanted.has(tag)))
          return false;
      }
      return true;
    },
    payload: (event) => post(event.entityId),
  },
  postUpdated: {
    eventTypes: ['PostUpdated'],
    requiresViewer: false,
    key: { ofSubscription: (args) => String(args.id), ofEvent: (event) => event.entityId },
    // Someone else's draft answers NOT_FOUND for this viewer: nothing is delivered.
    payload: (event) => post(event.entityId),
  },
  commentAdded: {
    eventTypes: ['CommentAdded'],
    requiresViewer: false,
    key: { ofSubscription: (args) => String(args.postId), ofEvent: (event) => text(field(event, 'postId')) },
    payload: (event) => ({ kind: 'entity', lookup: { rootField: 'comment', args: { id: event.entityId } } }),
  },
  likeCountChanged: {
    eventTypes: ['PostLiked', 'PostUnliked'],
    requiresViewer: false,
    key: { ofSubscription: (args) => String(args.postId), ofEvent: (event) => text(field(event, 'postId')) },
    payload: (event) => {
      const postId = text(field(event, 'postId'));
      return postId ? post(postId) : undefined;
    },
  },
  notifications: {
    eventTypes: ['CommentAdded', 'PostLiked', 'UserFollowed'],
    requiresViewer: true,
    key: {
      ofSubscription: (_args, viewerId) => viewerId ?? '',
      ofEvent: (event) => text(field(event, event.type === 'UserFollowed' ? 'followeeId' : 'postAuthorId')),
    },
    // One's own comment or like on one's own post is not news.
    matches: (event, _args, viewerId) => actorOf(event) !== viewerId,
    payload: notification,
  },
  orderStatusChanged: {
    eventTypes: ['OrderStatusChanged'],
    requiresViewer: true,
    key: { ofSubscription: (args) => String(args.id), ofEvent: (event) => event.entityId },
    // The buyer's own order only, decided on the raw event; core answers NOT_FOUND to anyone else too.
    matches: (event, _args, viewerId) => viewerId !== null && field(event, 'buyerId') === viewerId,
    payload: (event) => ({
      kind: 'entity',
      lookup: { rootField: 'order', args: { id: event.entityId } },
      values: { status: field(event, 'status') },
    }),
  },
};

/** A post just published: created as PUBLISHED, or a draft that became PUBLISHED. */
export const isPublication = (event: DomainEvent): boolean =>
  field(event, 'status') === 'PUBLISHED' &&
  (event.type === 'PostCreated' ||
    (event.type === 'PostUpdated' && field(event, 'previousStatus') === 'DRAFT'));
