import { randomUUID } from 'node:crypto';
import { nextSequence, toOutboxEvent } from './events.js';
import { insertNew } from './insert-new.js';
import type { PendingEvent } from './models/pending-event.js';
import type { ContentStore } from './store.js';

/**
 * Writes events to the outbox as one batch: the batch document first, then its events. Events that
 * are there already (copied by a drain or seed that died before finishing) are moved into this
 * batch, so none is left behind in a batch that is abandoned. Returns the batch id.
 */
export async function appendBatch(
  store: ContentStore,
  events: readonly PendingEvent[],
): Promise<string | null> {
  if (events.length === 0) return null;
  const batch = randomUUID();
  const now = new Date();
  await store.outboxBatches.create({
    _id: batch,
    sequence: nextSequence(now),
    size: events.length,
    createdAt: now,
  });
  const { existing } = await insertNew(
    store.outboxEvents,
    events.map((event) => toOutboxEvent(event, batch)),
    true,
  );
  if (existing.length > 0) {
    await store.outboxEvents
      .updateMany({ _id: { $in: existing.map((event) => event._id) } }, { $set: { batch } })
      .exec();
  }
  return batch;
}
