import { Schema } from 'mongoose';

/**
 * A domain event waiting to be published, embedded in the document it describes. FerretDB has no
 * transactions, so the event is written by the SAME single-document insert/update as the change:
 * either both land or neither does. The outbox relay later copies it to the `outbox_events`
 * collection and clears it from the document (see src/outbox.ts).
 */
export interface PendingEvent {
  eventId: string;
  /** Monotonic within a process and close to time order across processes (ms * 1000 + counter). */
  sequence: number;
  type: string;
  entity: string;
  entityId: string;
  version: number;
  occurredAt: Date;
  payload: Record<string, unknown> | null;
  /** The gateway cache tags the change makes stale (events.ts `postCacheTags`); absent on old documents. */
  cacheTags?: string[];
}

/** The two fields every document that carries its own outbox has. */
export interface CarriesPendingEvents {
  pendingEvents: PendingEvent[];
  /**
   * True while `pendingEvents` is not empty. A top-level scalar is what FerretDB can push down to
   * its SQL backend, so the relay's poll does not decode every document of the collection.
   */
  hasPendingEvents: boolean;
  /**
   * The document version up to which a drain copied its events when it could not clear them (a
   * write came in between): the next drain skips those, so an event whose batch went out meanwhile
   * is not copied, and published, a second time. Absent until such a race.
   */
  drainedThrough?: number;
}

/** The fields of a domain event, stored alike in documents (pending) and in `outbox_events`. */
export const domainEventFields = {
  sequence: { type: Number, required: true },
  type: { type: String, required: true },
  entity: { type: String, required: true },
  entityId: { type: String, required: true },
  version: { type: Number, required: true },
  occurredAt: { type: Date, required: true },
  payload: { type: Schema.Types.Mixed, default: null },
  cacheTags: { type: [String], default: undefined },
} as const;

export const pendingEventSchema = new Schema<PendingEvent>(
  { eventId: { type: String, required: true }, ...domainEventFields },
  { _id: false, minimize: false },
);

/** Fields never read by the API: keeps event payloads (and bookkeeping) out of every read. */
export const withoutOutboxFields = {
  pendingEvents: 0,
  hasPendingEvents: 0,
  drainedThrough: 0,
  countedInPost: 0,
} as const;
