import type { DomainEvent, Outbox } from '@aetherial/events';
import { coreCacheTags } from './events.js';
import type { CoreDb } from './store.js';

/**
 * The relay's view of the OutboxEvent table.
 *
 * `pending` claims the oldest unpublished events with `SELECT … FOR UPDATE SKIP LOCKED` and keeps
 * that transaction open until `markPublished` sets `publishedAt` in it and commits. So two relays
 * (two instances of the subgraph) never publish the same batch at once, and if this one dies
 * between XADD and `markPublished` its connection closes, the row locks go away and the events are
 * published again: at-least-once, never lost. A claim not confirmed within `claimTimeoutMs` rolls
 * back the same way.
 */
export interface PrismaOutbox extends Outbox {
  /** Gives up an open claim (its events stay pending). */
  close(): Promise<void>;
  purgePublished(publishedBefore: Date, batchSize: number): Promise<number>;
}

interface PendingRow {
  id: string;
  type: string;
  entity: string;
  entityId: string;
  version: number;
  occurredAt: Date;
  payload: Record<string, unknown> | null;
}

interface Claim {
  ids: Set<string>;
  /** Ids to mark published and commit, or null to roll back. */
  settle: (ids: string[] | null) => void;
  done: Promise<void>;
}

class ClaimReleased extends Error {}

const toDomainEvent = (row: PendingRow): DomainEvent => ({
  eventId: row.id,
  type: row.type,
  entity: row.entity,
  entityId: row.entityId,
  version: row.version,
  occurredAt: row.occurredAt.toISOString(),
  payload: row.payload,
  cacheTags: coreCacheTags(row.type, row.payload),
});

export function createOutbox(
  db: CoreDb,
  { claimTimeoutMs = 30_000, maxPurgeBatches = 50 } = {},
): PrismaOutbox {
  let claim: Claim | null = null;

  const release = async () => {
    const open = claim;
    claim = null;
    if (!open) return;
    open.settle(null);
    await open.done.catch(() => undefined);
  };

  const pending = async (limit: number): Promise<DomainEvent[]> => {
    // A claim still open here was never confirmed (publishing failed): let its events go back.
    await release();
    return new Promise<DomainEvent[]>((resolvePending, rejectPending) => {
      let settle: (ids: string[] | null) => void = () => undefined;
      const decision = new Promise<string[] | null>((resolve) => (settle = resolve));
      let claimed = false;
      const done = db.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<PendingRow[]>`
            SELECT "id", "type", "entity", "entityId", "version", "occurredAt", "payload"
            FROM "OutboxEvent"
            WHERE "publishedAt" IS NULL
            ORDER BY "sequence"
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED`;
          if (rows.length === 0) return resolvePending([]);
          claimed = true;
          claim = { ids: new Set(rows.map((row) => row.id)), settle, done };
          resolvePending(rows.map(toDomainEvent));
          const ids = await decision;
          if (ids === null) throw new ClaimReleased();
          await tx.$executeRaw`UPDATE "OutboxEvent" SET "publishedAt" = now() WHERE "id" = ANY(${ids}::uuid[])`;
        },
        { timeout: claimTimeoutMs },
      );
      done.catch((error: unknown) => {
        if (!claimed) rejectPending(error);
      });
    });
  };

  const markPublished = async (eventIds: string[]): Promise<void> => {
    if (eventIds.length === 0) return;
    const open = claim;
    if (open && eventIds.every((id) => open.ids.has(id))) {
      claim = null;
      open.settle(eventIds);
      await open.done; // throws if the claim timed out: the relay then publishes the batch again
      return;
    }
    // Not from the current claim (e.g. a caller outside the relay): mark them directly.
    await db.outboxEvent.updateMany({
      where: { id: { in: eventIds }, publishedAt: null },
      data: { publishedAt: new Date() },
    });
  };

  /**
   * Batched deletes of old published rows: each statement deletes at most `batchSize` rows found by
   * the ("publishedAt", "sequence") index (`publishedAt < cutoff` never matches NULL, so an
   * unpublished row is never purged), in its own short transaction; at most `maxBatches` per call,
   * the rest waits for the next housekeeping round. SKIP LOCKED: a row some other session holds is
   * left for later rather than waited for.
   */
  const purgePublished = async (publishedBefore: Date, batchSize: number): Promise<number> => {
    let total = 0;
    for (let round = 0; round < maxPurgeBatches; round += 1) {
      const deleted = await db.$executeRaw`
        DELETE FROM "OutboxEvent"
        WHERE "id" IN (
          SELECT "id" FROM "OutboxEvent"
          WHERE "publishedAt" < ${publishedBefore}
          LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED)`;
      total += deleted;
      if (deleted < batchSize) break;
    }
    return total;
  };

  return { pending, markPublished, purgePublished, close: release };
}
