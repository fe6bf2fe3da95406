import { Schema } from 'mongoose';

/**
 * The published log of domain events. Events reach it from the documents they were written with
 * (see pending-event.ts); `_id` is the event id, so copying the same event twice is a no-op.
 */
export interface OutboxEventDocument {
  _id: string;
  sequence: number;
  type: string;
  entity: string;
  entityId: string;
  version: number;
  occurredAt: Date;
  payload: Record<string, unknown> | null;
  /** Null until the relay has put the event on the Redis stream. */
  publishedAt: Date | null;
}

export const outboxEventSchema = new Schema<OutboxEventDocument>(
  {
    _id: { type: String, required: true },
    sequence: { type: Number, required: true },
    type: { type: String, required: true },
    entity: { type: String, required: true },
    entityId: { type: String, required: true },
    version: { type: Number, required: true },
    occurredAt: { type: Date, required: true },
    payload: { type: Schema.Types.Mixed, default: null },
    publishedAt: { type: Date, default: null },
  },
  { collection: 'outbox_events', versionKey: false, timestamps: false, autoIndex: true, minimize: false },
);

// The relay reads unpublished events oldest first.
outboxEventSchema.index({ publishedAt: 1, occurredAt: 1 });
