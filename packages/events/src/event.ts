/**
 * A change in a source-of-truth subgraph. `version` grows by one with every change of the same
 * entity, so a consumer can ignore an event older than what it already stored.
 */
export interface DomainEvent<TPayload = Record<string, unknown>> {
  eventId: string;
  type: string;
  entity: string;
  entityId: string;
  version: number;
  occurredAt: string;
  /** The entity's state after the change; null when it was deleted. */
  payload: TPayload | null;
  /**
   * What the change makes stale in the gateway's response cache beyond the entity itself (the
   * lists it joined or left, the entities whose counters it moved), spelled as subgraph-kit's
   * `cacheTag` does. Absent on events of older writers: the gateway then falls back to type tags.
   */
  cacheTags?: string[];
}

/** Every domain event goes to one stream; consumer groups pick the entities they care about. */
export const DEFAULT_EVENTS_STREAM = 'aetherial:events';

export const eventsStream = (): string => process.env.EVENTS_STREAM ?? DEFAULT_EVENTS_STREAM;

export function eventFields(event: DomainEvent): string[] {
  return ['type', event.type, 'entity', event.entity, 'id', event.entityId, 'event', JSON.stringify(event)];
}

export function parseEventFields(fields: string[]): DomainEvent {
  for (let i = 0; i < fields.length - 1; i += 2) {
    if (fields[i] === 'event') return JSON.parse(fields[i + 1]!) as DomainEvent;
  }
  throw new Error('stream entry has no "event" field');
}
