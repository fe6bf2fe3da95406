import { Schema } from 'mongoose';

/**
 * One group of outbox events, written before its events. The relay publishes batches in the order
 * they were made (`sequence`), which keeps every entity's events in order: an entity's later events
 * always land in the same or a later batch. Tiny documents, so listing them is cheap even where
 * FerretDB cannot push a filter down to its backend.
 */
export interface OutboxBatchDocument {
  _id: string;
  sequence: number;
  size: number;
  createdAt: Date;
}

export const outboxBatchSchema = new Schema<OutboxBatchDocument>(
  {
    _id: { type: String, required: true },
    sequence: { type: Number, required: true },
    size: { type: Number, required: true, min: 0 },
    createdAt: { type: Date, required: true },
  },
  { collection: 'outbox_batches', versionKey: false, timestamps: false, autoIndex: true },
);

outboxBatchSchema.index({ sequence: 1 });
