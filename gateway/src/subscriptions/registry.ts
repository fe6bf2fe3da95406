import type { DomainEvent } from '@aetherial/events';
import type { EndReason, EventSubscription } from './event-subscription.js';
import type { SubscriptionRoute } from './routes.js';

interface ByType {
  /** Subscriptions whose route has no key: each one's filter looks at every event of the type. */
  unkeyed: Set<EventSubscription>;
  /** Per subscription field with a key (routes of one event type compute different keys). */
  keyed: Map<string, { route: SubscriptionRoute; byKey: Map<string, Set<EventSubscription>> }>;
}

/**
 * The active subscriptions of this gateway process, indexed by event type and key, so an event is
 * looked at only by the subscriptions it can be for (`postUpdated(id: X)` by the event of post X,
 * `notifications` by its recipient's), and an event nobody subscribed to costs a map lookup.
 */
export class SubscriptionRegistry {
  private readonly byType = new Map<string, ByType>();
  private readonly all = new Set<EventSubscription>();

  get size(): number {
    return this.all.size;
  }

  /** Whether any subscription wants events of this type (before the event is even parsed). */
  wants(eventType: string): boolean {
    return this.byType.has(eventType);
  }

  /** Whether a subscription of this field could receive events of this type. */
  wantsFor(eventType: string, fieldName: string): boolean {
    const entry = this.byType.get(eventType);
    return entry !== undefined && entry.keyed.has(fieldName);
  }

  add(subscription: EventSubscription): void {
    const { route, args, viewerId, fieldName } = subscription.prepared;
    this.all.add(subscription);
    for (const type of route.eventTypes) {
      let entry = this.byType.get(type);
      if (!entry) this.byType.set(type, (entry = { unkeyed: new Set(), keyed: new Map() }));
      if (!route.key) entry.unkeyed.add(subscription);
      else {
        let field = entry.keyed.get(fieldName);
        if (!field) entry.keyed.set(fieldName, (field = { route, byKey: new Map() }));
        const key = route.key.ofSubscription(args, viewerId);
        let set = field.byKey.get(key);
        if (!set) field.byKey.set(key, (set = new Set()));
        set.add(subscription);
      }
    }
  }

  remove(subscription: EventSubscription): void {
    if (!this.all.delete(subscription)) return;
    const { route, args, viewerId, fieldName } = subscription.prepared;
    for (const type of route.eventTypes) {
      const entry = this.byType.get(type);
      if (!entry) continue;
      if (!route.key) entry.unkeyed.delete(subscription);
      else {
        const field = entry.keyed.get(fieldName);
        const key = route.key.ofSubscription(args, viewerId);
        const set = field?.byKey.get(key);
        set?.delete(subscription);
        if (set?.size === 0) field?.byKey.delete(key);
        if (field?.byKey.size === 0) entry.keyed.delete(fieldName);
      }
      if (entry.unkeyed.size === 0 && entry.keyed.size === 0) this.byType.delete(type);
    }
  }

  /** Hands the event to every subscription it is for; returns how many. */
  dispatch(event: DomainEvent): number {
    const entry = this.byType.get(event.type);
    if (!entry) return 0;
    let delivered = 0;
    const offer = (subscription: EventSubscription) => {
      const { route, args, viewerId } = subscription.prepared;
      if (route.matches && !route.matches(event, args, viewerId)) return;
      subscription.push(event);
      delivered += 1;
    };
    // Copies: a push may end a subscription (slow consumer), which removes it from these sets.
    for (const subscription of [...entry.unkeyed]) offer(subscription);
    for (const { route, byKey } of entry.keyed.values()) {
      const keys = route.key?.ofEvent(event);
      // One key (a post's, a recipient's) or several (the feed subscribers who follow an author).
      for (const key of typeof keys === 'string' ? [keys] : (keys ?? [])) {
        const set = byKey.get(key);
        if (set) for (const subscription of [...set]) offer(subscription);
      }
    }
    return delivered;
  }

  /** Ends every subscription (gateway shutdown): each completes towards its client. */
  endAll(reason: EndReason): void {
    for (const subscription of [...this.all]) subscription.end(reason);
  }
}
