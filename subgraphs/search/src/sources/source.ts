import type { SearchDocument } from '../documents.js';

/** A source of truth read page by page (keyset order) by the reindex. */
export interface DocumentSource {
  /** For progress output, e.g. "users (PostgreSQL)". */
  name: string;
  /** Searchable documents, at most `pageSize` per page, at the version the store has now. */
  pages(pageSize: number): AsyncGenerator<SearchDocument[]>;
  close(): Promise<void>;
}
