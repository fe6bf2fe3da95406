import type { IndexedDocument } from '../documents.js';

/** A source of truth read page by page (keyset order) by the reindex. */
export interface DocumentSource {
  /** For progress output, e.g. "users (PostgreSQL)". */
  name: string;
  /** Documents (tombstones only from an index), at most `pageSize` a page, at their current version. */
  pages(pageSize: number): AsyncGenerator<IndexedDocument[]>;
  close(): Promise<void>;
}
