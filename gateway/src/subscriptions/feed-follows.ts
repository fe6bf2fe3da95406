import type { DomainEvent } from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';
import type { ExecuteAsViewer } from './resolve-event.js';
import { isPublication, type SubscriptionRoute } from './routes.js';
import { GATEWAY_ITSELF } from './viewer.js';

/** One page of the viewer's follows: social's `User.following`, at its largest page size. */
const FOLLOWING_PAGE = `query AetherialFeedFollowing($id: ID!, $after: String) {
  user(id: $id) { following(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }
}`;
/** A user following more than this many is served the first ones only (and a warning is logged). */
const MAX_PAGES = 100;

interface FollowingPage {
  user?: {
    following?: {
      edges?: { node?: { id?: unknown } }[];
      pageInfo?: { hasNextPage?: unknown; endCursor?: unknown };
    };
  } | null;
}

interface Viewer {
  /** Active feedUpdated subscriptions of this viewer in this process. */
  refs: number;
  followees: Set<string>;
  /** Follow changes read from the stream while the first load ran: applied on top of it. */
  changes: DomainEvent[] | null;
  ready: Promise<void>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The followed users of every viewer holding a `feedUpdated` subscription in this gateway process,
 * so an author's new post is routed with one map lookup (author → following viewers) and nothing
 * is resolved for anyone else. A viewer's follows are loaded once through the supergraph (social's
 * `User.following`) when their first feed subscription starts, then kept current from
 * UserFollowed / UserUnfollowed on the event stream; changes read during the load are replayed on
 * top of it in stream order (the last follow or unfollow of a pair wins either way). While a load
 * runs, the viewer receives every publication and each is checked once the load is done (`admits`),
 * so nothing published meanwhile is lost. Forgotten with the viewer's last feed subscription.
 */
export function feedFollows(options: { execute: ExecuteAsViewer; log: Logger }) {
  const viewers = new Map<string, Viewer>();
  /** author id → viewers (loaded) who follow them */
  const followersOf = new Map<string, Set<string>>();
  const loading = new Set<string>();

  const link = (viewerId: string, authorId: string) => {
    let set = followersOf.get(authorId);
    if (!set) followersOf.set(authorId, (set = new Set()));
    set.add(viewerId);
  };
  const unlink = (viewerId: string, authorId: string) => {
    const set = followersOf.get(authorId);
    set?.delete(viewerId);
    if (set?.size === 0) followersOf.delete(authorId);
  };

  const applyChange = (viewerId: string, state: Viewer, event: DomainEvent) => {
    const followeeId = text(event.payload?.followeeId);
    if (!followeeId) return;
    if (event.type === 'UserFollowed') {
      state.followees.add(followeeId);
      link(viewerId, followeeId);
    } else {
      state.followees.delete(followeeId);
      unlink(viewerId, followeeId);
    }
  };

  const load = async (viewerId: string): Promise<string[]> => {
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const result = await options.execute(FOLLOWING_PAGE, { id: viewerId, after }, GATEWAY_ITSELF);
      const following = (result.data as FollowingPage | null | undefined)?.user?.following;
      if (!following) throw new Error(result.errors?.[0]?.message ?? 'social answered no follows');
      for (const edge of following.edges ?? []) {
        const id = text(edge.node?.id);
        if (id) ids.push(id);
      }
      after = text(following.pageInfo?.endCursor) ?? null;
      if (following.pageInfo?.hasNextPage !== true || !after) return ids;
    }
    options.log.warn(
      { viewerId, followed: ids.length },
      'feedUpdated: follows beyond the first pages ignored',
    );
    return ids;
  };

  const attach = (viewerId: string | null): Promise<void> => {
    if (!viewerId) return Promise.reject(new Error('feedUpdated needs a viewer'));
    const known = viewers.get(viewerId);
    if (known) {
      known.refs += 1;
      return known.ready;
    }
    const state: Viewer = { refs: 1, followees: new Set(), changes: [], ready: Promise.resolve() };
    viewers.set(viewerId, state);
    loading.add(viewerId);
    state.ready = load(viewerId).then(
      (ids) => {
        if (viewers.get(viewerId) !== state) return; // every subscription ended meanwhile
        loading.delete(viewerId);
        for (const id of ids) {
          state.followees.add(id);
          link(viewerId, id);
        }
        for (const change of state.changes ?? []) applyChange(viewerId, state, change);
        state.changes = null;
      },
      (error: unknown) => {
        if (viewers.get(viewerId) === state) {
          viewers.delete(viewerId);
          loading.delete(viewerId);
        }
        throw error;
      },
    );
    return state.ready;
  };

  const detach = (viewerId: string | null) => {
    const state = viewerId ? viewers.get(viewerId) : undefined;
    if (!viewerId || !state) return;
    state.refs -= 1;
    if (state.refs > 0) return;
    viewers.delete(viewerId);
    loading.delete(viewerId);
    for (const id of state.followees) unlink(viewerId, id);
  };

  /** The viewers an event of the stream is for: the followers of a publication's author. */
  function* keysOf(event: DomainEvent): Iterable<string> {
    if (!isPublication(event)) return;
    const followers = followersOf.get(text(event.payload?.authorId) ?? '');
    if (followers) yield* followers;
    // Not yet known whether they follow the author: `admits` decides once their follows are in.
    for (const viewerId of loading) if (!followers?.has(viewerId)) yield viewerId;
  }

  const route: SubscriptionRoute = {
    eventTypes: ['PostCreated', 'PostUpdated'],
    requiresViewer: true,
    key: { ofSubscription: (_args, viewerId) => viewerId ?? '', ofEvent: keysOf },
    payload: (event) => ({ kind: 'entity', lookup: { rootField: 'post', args: { id: event.entityId } } }),
    attach,
    detach,
    admits: async (event, viewerId) => {
      const state = viewerId ? viewers.get(viewerId) : undefined;
      if (!state) return false;
      await state.ready;
      return state.followees.has(text(event.payload?.authorId) ?? '');
    },
  };

  return {
    route,
    /** Follow events matter while any viewer is tracked (read before they are parsed). */
    wants: (eventType: string) =>
      viewers.size > 0 && (eventType === 'UserFollowed' || eventType === 'UserUnfollowed'),
    /** Keeps the tracked viewers' follows current; call for every event, in stream order. */
    observe: (event: DomainEvent) => {
      if (event.type !== 'UserFollowed' && event.type !== 'UserUnfollowed') return;
      const followerId = text(event.payload?.followerId);
      const state = followerId ? viewers.get(followerId) : undefined;
      if (!followerId || !state) return;
      if (state.changes) state.changes.push(event);
      else applyChange(followerId, state, event);
    },
    /** Viewers tracked and author entries held (for tests and metrics). */
    size: () => ({ viewers: viewers.size, authors: followersOf.size }),
  };
}
