import type { DomainEvent, Outbox } from '@aetherial/events';
import { Types, type Model } from 'mongoose';
import { countUncountedComments } from './comment-count.js';
import { toDomainEvent } from './events.js';
import { groupedBy } from './grouped-updates.js';
import type { OutboxBatchDocument } from './models/outbox-batch.js';
import type { OutboxEventDocument } from './models/outbox-event.js';
import type { PendingEvent } from './models/pending-event.js';
import { appendBatch } from './outbox-batches.js';
import type { ContentStore } from './store.js';

export interface ContentOutboxOptions {
  /** Documents drained per collection per `pending` call (default 100). */
  drainBatch?: number;
  /** An empty batch this old was abandoned by a writer that died (default 5 minutes). */
  abandonedAfterMs?: number;
}

interface DrainedDocument {
  _id: Types.ObjectId;
  version: number;
  pendingEvents: PendingEvent[];
  drainedThrough?: number;
}

interface DrainedComment extends DrainedDocument {
  postId: Types.ObjectId;
  countedInPost?: boolean;
}

/**
 * The content subgraph's outbox, built for a store without transactions (FerretDB).
 *
 * 1. A write stores its event inside the changed document (`pendingEvents`), in the same
 *    single-document insert/update: no change without its event, no event without its change.
 * 2. `pending()` DRAINS when the outbox runs low: copies the embedded events of up to `drainBatch`
 *    documents into `outbox_events` as one batch (outbox-batches.ts; `_id` = event id, so a second
 *    copy is a no-op), then clears them from the documents, guarded by the version read (a write
 *    that came in meanwhile bumped it, and its event stays for next time). Where that guard
 *    missed, the document records the version it was copied through (`drainedThrough`), so the
 *    next drain copies only the newer events: the older ones may be published and gone from
 *    `outbox_events` by then, and a copy would publish them twice. It returns whole batches,
 *    oldest first.
 * 3. The relay XADDs them, then calls `markPublished`, which removes posts whose PostDeleted went
 *    out (and their comments) and deletes the published events and their batch.
 *
 * Published events are deleted at once (step 3), so unlike core's outbox there is nothing for a
 * retention to purge later: `purgePublished` is not implemented, and OUTBOX_RETENTION_HOURS does
 * not apply here.
 *
 * Every relay read and delete filters on a batch id or a flag by equality: FerretDB pushes only
 * equality on top-level fields down to its backend, and an `$in` or a sort makes it decode the
 * whole collection.
 *
 * Crash points: after the write, before the drain -> drained on restart. After the copy, before
 * the clear -> copied again into a new batch (the events move there). After XADD, before
 * markPublished -> published again (consumers drop versions they have). After the purge, before
 * the delete -> purge again (a no-op), events published again.
 */
export class ContentOutbox implements Outbox {
  private readonly drainBatch: number;
  private readonly abandonedAfterMs: number;
  /** Which batch each event handed out by `pending` belongs to, for `markPublished`. */
  private readonly batchOfEvent = new Map<string, string>();

  constructor(
    private readonly store: ContentStore,
    options: ContentOutboxOptions = {},
  ) {
    this.drainBatch = options.drainBatch ?? 100;
    this.abandonedAfterMs = options.abandonedAfterMs ?? 5 * 60_000;
  }

  async pending(limit: number): Promise<DomainEvent[]> {
    let batches = await this.batches();
    if (batches.reduce((sum, batch) => sum + batch.size, 0) < limit && (await this.drain()) > 0)
      batches = await this.batches();
    const events: OutboxEventDocument[] = [];
    for (const batch of batches) {
      if (events.length > 0 && events.length + batch.size > limit) break;
      const rows = await this.store.outboxEvents
        .find({ batch: batch._id })
        .lean<OutboxEventDocument[]>()
        .exec();
      if (rows.length === 0) {
        await this.dropIfAbandoned(batch);
        continue;
      }
      inPublishOrder(rows);
      for (const row of rows) this.batchOfEvent.set(row._id, batch._id);
      events.push(...rows);
    }
    return events.map(toDomainEvent);
  }

  async markPublished(eventIds: string[]): Promise<void> {
    const byBatch = groupedBy(eventIds, (id) => this.batchOfEvent.get(id));
    for (const [batch, ids] of byBatch) {
      if (batch === undefined) {
        // Not handed out by this instance: look them up (an $in scan, off the normal path).
        const rows = await this.store.outboxEvents
          .find({ _id: { $in: ids } })
          .select({ batch: 1 })
          .lean<Pick<OutboxEventDocument, '_id' | 'batch'>[]>()
          .exec();
        for (const row of rows) this.batchOfEvent.set(row._id, row.batch);
        for (const [found, foundIds] of groupedBy(rows, (row) => row.batch))
          await this.markBatchPublished(
            found,
            foundIds.map((row) => row._id),
          );
        continue;
      }
      await this.markBatchPublished(batch, ids);
    }
  }

  /** Moves the events embedded in up to `drainBatch` documents per collection into one batch; returns how many. */
  async drain(): Promise<number> {
    const comments = await this.store.comments
      .find({ hasPendingEvents: true })
      .select({ postId: 1, version: 1, pendingEvents: 1, drainedThrough: 1, countedInPost: 1 })
      .limit(this.drainBatch)
      .lean<DrainedComment[]>()
      .exec();
    const posts = await this.store.posts
      .find({ hasPendingEvents: true })
      .select({ version: 1, pendingEvents: 1, drainedThrough: 1 })
      .limit(this.drainBatch)
      .lean<DrainedDocument[]>()
      .exec();
    const events = [...comments, ...posts].flatMap(notYetCopied);
    if (events.length === 0) return 0;
    // Repairs commentCount where addComment died between its insert and its count step; before
    // the clear, so a crash here repeats it rather than skips it.
    await countUncountedComments(this.store, comments);
    await appendBatch(this.store, events);
    await clearPendingEvents(this.store.comments, comments);
    await clearPendingEvents(this.store.posts, posts);
    return events.length;
  }

  private batches(): Promise<OutboxBatchDocument[]> {
    // Few, tiny documents: sorted here rather than by FerretDB (which would not push the sort down).
    return this.store.outboxBatches
      .find()
      .lean<OutboxBatchDocument[]>()
      .exec()
      .then((rows) => rows.sort((a, b) => a.sequence - b.sequence));
  }

  private async markBatchPublished(batch: string, eventIds: string[]): Promise<void> {
    await this.removeDeletedPosts(batch);
    // `batch` narrows the delete to a few documents before the $in applies.
    await this.store.outboxEvents.deleteMany({ batch, _id: { $in: eventIds } }).exec();
    for (const id of eventIds) this.batchOfEvent.delete(id);
    if ((await this.store.outboxEvents.countDocuments({ batch }).exec()) === 0) {
      await this.store.outboxBatches.deleteOne({ _id: batch }).exec();
    }
  }

  /** Posts whose PostDeleted reached the stream: now the documents (and their comments) can go. */
  private async removeDeletedPosts(batch: string): Promise<void> {
    const deletions = await this.store.outboxEvents
      .find({ batch, type: 'PostDeleted' })
      .select({ entityId: 1 })
      .lean<Pick<OutboxEventDocument, '_id' | 'entityId'>[]>()
      .exec();
    for (const event of deletions) {
      const postId = new Types.ObjectId(event.entityId);
      // Comments first: if we die in between, the post (still marked deleted) is purged next time.
      await this.store.comments.deleteMany({ postId }).exec();
      await this.store.posts.deleteOne({ _id: postId, deletedAt: { $ne: null } }).exec();
    }
  }

  /**
   * A batch without events: published and deleted, or its writer died before writing them (any it
   * wrote move to the next batch that copies them). Only old ones go: a young one may be a writer
   * between its batch document and its events.
   */
  private async dropIfAbandoned(batch: OutboxBatchDocument): Promise<void> {
    if (Date.now() - batch.createdAt.getTime() < this.abandonedAfterMs) return;
    await this.store.outboxBatches.deleteOne({ _id: batch._id }).exec();
  }
}

/** A document's events a drain has not copied yet (versions above its `drainedThrough`). */
const notYetCopied = (doc: DrainedDocument): PendingEvent[] =>
  doc.drainedThrough === undefined
    ? doc.pendingEvents
    : doc.pendingEvents.filter((event) => event.version > doc.drainedThrough!);

/**
 * Clears the events just copied, unless the document changed since it was read: one updateMany per
 * version read (see grouped-updates.ts), guarded by that version. Documents the guard missed keep
 * their events and learn that those up to the version read are copied (`$max`: a slower drain
 * never moves the mark back).
 */
async function clearPendingEvents(
  model: Pick<Model<unknown>, 'collection'>,
  documents: readonly DrainedDocument[],
): Promise<void> {
  for (const [version, group] of groupedBy(documents, (doc) => doc.version)) {
    const ids = group.map((doc) => doc._id);
    // hasPendingEvents first: FerretDB pushes that equality down, so only pending documents are read.
    const cleared = await model.collection.updateMany(
      { hasPendingEvents: true, _id: { $in: ids }, version },
      { $set: { pendingEvents: [], hasPendingEvents: false } },
    );
    if (cleared.matchedCount < group.length)
      await model.collection.updateMany(
        { hasPendingEvents: true, _id: { $in: ids } },
        { $max: { drainedThrough: version } },
      );
  }
}

/**
 * Oldest first within a batch (occurredAt, then sequence), with each entity's events kept in
 * version order in the slots they occupy: clocks of two instances may disagree, versions do not.
 */
export function inPublishOrder(events: OutboxEventDocument[]): void {
  events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.sequence - b.sequence);
  for (const indexes of groupedBy([...events.keys()], (index) => events[index]!.entityId).values()) {
    if (indexes.length < 2) continue;
    const ordered = indexes.map((index) => events[index]!).sort((a, b) => a.version - b.version);
    indexes.forEach((index, position) => (events[index] = ordered[position]!));
  }
}
