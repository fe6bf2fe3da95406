import type { DomainEvent } from '@aetherial/events';
import type { BulkOperation } from './engine/engine.js';
import { buildDocument, documentKey, isSearchEntity, type SearchDocument } from './documents.js';

/** A write to the search index before it is addressed to concrete indices. */
export type DocumentWrite =
  | { action: 'index'; id: string; version: number; source: SearchDocument }
  | { action: 'delete'; id: string; version: number };

/**
 * What an event means for the index: entities search does not cover give null; a deletion (or a
 * post leaving PUBLISHED) a versioned delete; any other change an upsert of the new state.
 * Keyed on the entity rather than on event names, so e.g. a `PostPublished` would work too.
 */
export function writeForEvent(event: DomainEvent): DocumentWrite | null {
  if (!isSearchEntity(event.entity)) return null;
  const id = documentKey(event.entity, event.entityId);
  if (event.payload === null || event.type.endsWith('Deleted'))
    return { action: 'delete', id, version: event.version };
  const document = buildDocument(event.entity, event.entityId, event.version, event.payload);
  if (document === null) return { action: 'delete', id, version: event.version };
  return { action: 'index', id, version: event.version, source: document };
}

/**
 * One write per document: the highest version in the batch (the engine would reject the older
 * ones anyway). Keeps the first occurrence's position so output order is stable.
 */
export function latestPerDocument(writes: DocumentWrite[]): DocumentWrite[] {
  const latest = new Map<string, DocumentWrite>();
  for (const write of writes) {
    const seen = latest.get(write.id);
    if (!seen || write.version >= seen.version) latest.set(write.id, write);
  }
  return [...latest.values()];
}

/** The same writes addressed to each target index (one bulk request covers them all). */
export function addressed(writes: DocumentWrite[], indices: string[]): BulkOperation[] {
  return indices.flatMap((index) =>
    writes.map((write): BulkOperation =>
      write.action === 'index'
        ? { action: 'index', index, id: write.id, version: write.version, source: { ...write.source } }
        : { action: 'delete', index, id: write.id, version: write.version },
    ),
  );
}
