import { Schema } from 'mongoose';
import { domainEventFields } from './pending-event.js';

/**
 * A domain event on its way to the stream. Events reach this collection from the documents they
 * were written with (see pending-event.ts) or straight from the seed, always as one BATCH
 * (outbox-batch.ts); `_id` is the event id, so copying the same event twice is a no-op. An event
 * is deleted once published: the Redis stream is the log of published events.
 */
export interface OutboxEventDocument {
  _id: string;
  /** The batch it was copied with: every read and delete of the relay filters on it. */
  batch: string;
  sequence: number;
  type: string;
  entity: string;
  entityId: string;
  version: number;
  occurredAt: Date;
  payload: Record<string, unknown> | null;
  cacheTags?: string[];
}

export const outboxEventSchema = new Schema<OutboxEventDocument>(
  {
    _id: { type: String, required: true },
    batch: { type: String, required: true },
    ...domainEventFields,
  },
  { collection: 'outbox_events', versionKey: false, timestamps: false, autoIndex: true, minimize: false },
);

// The relay reads and deletes a batch at a time; PostDeleted events of a batch drive the purge.
outboxEventSchema.index({ batch: 1, type: 1 });
