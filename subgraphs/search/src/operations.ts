import { isDeletion, latestPerKey, type DomainEvent } from '@aetherial/events';
import type { BulkOperation } from './engine/engine.js';
import {
  buildDocument,
  documentKey,
  isSearchEntity,
  tombstoneDocument,
  type IndexedDocument,
} from './documents.js';

/**
 * A write to the search index before it is addressed to concrete indices. A removal is written
 * as a tombstone document (never a real delete), so its version guards the key for good.
 */
export interface DocumentWrite {
  id: string;
  version: number;
  /** True when the write is a tombstone. */
  deleted: boolean;
  source: IndexedDocument;
}

/**
 * What an event means for the index: entities search does not cover give null; a deletion (or a
 * post leaving PUBLISHED) a tombstone at the event's version; any other change an upsert of the
 * new state. Keyed on the entity rather than on event names, so e.g. a `PostPublished` works too.
 */
export function writeForEvent(event: DomainEvent): DocumentWrite | null {
  if (!isSearchEntity(event.entity)) return null;
  const id = documentKey(event.entity, event.entityId);
  const document = isDeletion(event)
    ? null
    : buildDocument(event.entity, event.entityId, event.version, event.payload);
  if (document === null) {
    const tombstone = tombstoneDocument(event.entity, event.entityId, event.version);
    return { id, version: event.version, deleted: true, source: tombstone };
  }
  return { id, version: event.version, deleted: false, source: document };
}

/**
 * One write per document: the highest version in the batch (the engine would reject the older
 * ones anyway). Keeps the first occurrence's position so output order is stable.
 */
export const latestPerDocument = (writes: DocumentWrite[]): DocumentWrite[] =>
  latestPerKey(
    writes,
    (write) => write.id,
    (write) => write.version,
  );

/**
 * The same writes addressed to each target index (one bulk request covers them all), each with
 * the entity's version as external version: the engine itself applies the version guard.
 */
export function addressed(writes: DocumentWrite[], indices: string[]): BulkOperation[] {
  return indices.flatMap((index) =>
    writes.map((write): BulkOperation => ({
      action: 'index',
      index,
      id: write.id,
      version: write.version,
      source: { ...write.source },
    })),
  );
}
