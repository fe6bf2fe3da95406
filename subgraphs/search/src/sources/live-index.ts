import type { SearchDocument } from '../documents.js';
import type { EngineSearchResult, SearchEngine } from '../engine/engine.js';
import type { DocumentSource } from './source.js';

/**
 * The documents of the index behind the read alias, as they are now (key order, search_after).
 * For a reindex that changes only analysis settings (the synonyms of the search analyser): the
 * documents are copied into an index with the new settings and the alias swapped, without
 * reading the sources of truth. Each copy keeps its version, so the indexer's newer writes win.
 */
export function liveIndexSource(engine: SearchEngine, alias: string): DocumentSource {
  return {
    name: `documents of the live index (${alias})`,
    async *pages(pageSize: number) {
      let after: (string | number)[] | null = null;
      for (;;) {
        const page: EngineSearchResult<SearchDocument> = await engine.search<SearchDocument>(alias, {
          size: pageSize,
          query: { match_all: {} },
          sort: [{ key: 'asc' }],
          ...(after ? { search_after: after } : {}),
        });
        if (page.hits.length === 0) return;
        after = page.hits.at(-1)!.sort;
        yield page.hits.map((hit) => hit.source);
        if (page.hits.length < pageSize) return;
      }
    },
    close: async () => undefined,
  };
}
