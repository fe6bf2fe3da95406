import type { DomainEvent, Outbox } from '@aetherial/events';
import { Types, type Model } from 'mongoose';
import { countUncountedComments } from './comment-count.js';
import { toDomainEvent, toOutboxEvent } from './events.js';
import type { OutboxEventDocument } from './models/outbox-event.js';
import type { PendingEvent } from './models/pending-event.js';
import { insertNew } from './insert-new.js';
import type { ContentStore } from './store.js';
import { groupedBy } from './grouped-updates.js';

export interface ContentOutboxOptions {
  /**
   * Documents drained per collection per `pending` call (default 100): each drain copies their
   * events with one insert, and FerretDB stalls on large multi-document writes.
   */
  drainBatch?: number;
  /**
   * How long published events stay (a log to look at); default 0: removed as soon as they are
   * published. FerretDB cannot push `publishedAt: null` down to its backend, so every poll reads
   * the whole collection: keep it to the backlog. (On MongoDB the index makes a log free; FerretDB
   * also has no TTL index, hence the pruning here.)
   */
  retentionMs?: number;
}

interface DrainedDocument {
  _id: Types.ObjectId;
  version: number;
  pendingEvents: PendingEvent[];
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
 * 2. `pending()` first DRAINS: copies embedded events into `outbox_events` (`_id` = event id, so a
 *    second copy is a duplicate-key no-op) and then clears them from the document, guarded by the
 *    document's version (a write that came in meanwhile bumped it; its event stays for next time).
 *    Then it returns unpublished events oldest first.
 * 3. The relay XADDs them, then calls `markPublished`, which removes posts whose PostDeleted went
 *    out (and their comments) and stamps `publishedAt`.
 *
 * Crash points: after the write, before the drain -> drained on restart. After the copy, before
 * the clear -> copied again, ignored as duplicates. After XADD, before markPublished -> published
 * again (consumers drop events whose version they have). After the purge, before the stamp ->
 * purge again (a no-op), event published again.
 */
export class ContentOutbox implements Outbox {
  private readonly drainBatch: number;
  private readonly retentionMs: number;

  constructor(
    private readonly store: ContentStore,
    options: ContentOutboxOptions = {},
  ) {
    this.drainBatch = options.drainBatch ?? 100;
    this.retentionMs = options.retentionMs ?? 0;
  }

  async pending(limit: number): Promise<DomainEvent[]> {
    let rows = await this.unpublished(limit);
    // Drain only while the log is short: its poll reads every unpublished event (see retentionMs).
    if (rows.length < limit && (await this.drain(Math.min(limit, this.drainBatch))) > 0)
      rows = await this.unpublished(limit);
    return rows.map(toDomainEvent);
  }

  private unpublished(limit: number): Promise<OutboxEventDocument[]> {
    return this.store.outboxEvents
      .find({ publishedAt: null })
      .sort({ occurredAt: 1, sequence: 1 })
      .limit(limit)
      .lean<OutboxEventDocument[]>()
      .exec();
  }

  async markPublished(eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.removeDeletedPosts(eventIds);
    const now = new Date();
    await this.store.outboxEvents
      .updateMany({ _id: { $in: eventIds }, publishedAt: null }, { $set: { publishedAt: now } })
      .exec();
    await this.store.outboxEvents
      .deleteMany({ publishedAt: { $lte: new Date(now.getTime() - this.retentionMs) } })
      .exec();
  }

  /** Moves events embedded in up to `batch` documents per collection into `outbox_events`; returns how many. */
  async drain(batch = this.drainBatch): Promise<number> {
    // Comments first: their count repair must not wait behind a long post backlog.
    const comments = await this.store.comments
      .find({ hasPendingEvents: true })
      .select({ postId: 1, version: 1, pendingEvents: 1, countedInPost: 1 })
      .limit(batch)
      .lean<DrainedComment[]>()
      .exec();
    if (comments.length > 0) {
      await this.copy(comments);
      // Repairs commentCount where addComment died between its insert and its count step.
      await countUncountedComments(this.store, comments);
      await clearPendingEvents(this.store.comments, comments);
    }
    const posts = await this.store.posts
      .find({ hasPendingEvents: true })
      .select({ version: 1, pendingEvents: 1 })
      .limit(batch)
      .lean<DrainedDocument[]>()
      .exec();
    if (posts.length > 0) {
      await this.copy(posts);
      await clearPendingEvents(this.store.posts, posts);
    }
    return [...comments, ...posts].reduce((sum, doc) => sum + doc.pendingEvents.length, 0);
  }

  private async copy(documents: readonly DrainedDocument[]): Promise<void> {
    // Events copied before (a drain that died before clearing) are skipped: `_id` is the event id.
    await insertNew(
      this.store.outboxEvents,
      documents.flatMap((doc) => doc.pendingEvents.map(toOutboxEvent)),
      true,
    );
  }

  /** Posts whose PostDeleted reached the stream: now the documents (and their comments) can go. */
  private async removeDeletedPosts(eventIds: string[]): Promise<void> {
    const deletions = await this.store.outboxEvents
      .find({ _id: { $in: eventIds }, type: 'PostDeleted' })
      .select({ entityId: 1 })
      .lean<Pick<OutboxEventDocument, '_id' | 'entityId'>[]>()
      .exec();
    if (deletions.length === 0) return;
    const postIds = deletions.map((event) => new Types.ObjectId(event.entityId));
    // Comments first: if we die in between, the post (still marked deleted) is purged next time.
    await this.store.comments.deleteMany({ postId: { $in: postIds } }).exec();
    await this.store.posts.deleteMany({ _id: { $in: postIds }, deletedAt: { $ne: null } }).exec();
  }
}

/**
 * Clears the events just copied, unless the document changed since it was read: one updateMany per
 * version read (see grouped-updates.ts), guarded by that version.
 */
async function clearPendingEvents(
  model: Pick<Model<unknown>, 'collection'>,
  documents: readonly DrainedDocument[],
): Promise<void> {
  for (const [version, group] of groupedBy(documents, (doc) => doc.version)) {
    // The driver's collection: this touches only the outbox fields every such model has.
    // hasPendingEvents first: FerretDB pushes that equality down, so only pending documents are read.
    await model.collection.updateMany(
      { hasPendingEvents: true, _id: { $in: group.map((doc) => doc._id) }, version },
      { $set: { pendingEvents: [], hasPendingEvents: false } },
    );
  }
}
