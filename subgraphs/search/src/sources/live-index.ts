import { LIVE_DOCUMENTS, type IndexedDocument } from '../documents.js';
import type { EngineSearchResult, SearchEngine } from '../engine/engine.js';
import type { DocumentSource } from './source.js';

function indexSource(engine: SearchEngine, alias: string, name: string, query: object): DocumentSource {
  return {
    name,
    async *pages(pageSize: number) {
      // A first build (no index behind the alias yet) has nothing to copy.
      if ((await engine.aliasTargets(alias)).length === 0) return;
      // Search sees only refreshed writes: one applied just before the rebuild's pending alias
      // existed (so not written to the new index) would otherwise be missed by the copy.
      await engine.refresh(alias);
      let after: (string | number)[] | null = null;
      for (;;) {
        const page: EngineSearchResult<IndexedDocument> = await engine.search<IndexedDocument>(alias, {
          size: pageSize,
          query,
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

/**
 * The live documents of the index behind the read alias, as they are now (key order,
 * search_after). For a reindex that changes only analysis settings (the synonyms of the search
 * analyser): the documents are copied into an index with the new settings and the alias swapped,
 * without reading the sources of truth. Each copy keeps its version, so the indexer's newer writes
 * win. (Tombstones are copied by every rebuild, see rebuild.ts.)
 */
export const liveIndexSource = (engine: SearchEngine, alias: string): DocumentSource =>
  indexSource(engine, alias, `documents of the live index (${alias})`, LIVE_DOCUMENTS);

/**
 * The tombstones of the live index: every rebuild copies them first, since the sources of truth
 * no longer know the removed entities, and a late older event must stay refused in the new index
 * too. An index without the `deleted` field (mapping < 3) simply has none.
 */
export const liveTombstonesSource = (engine: SearchEngine, alias: string): DocumentSource =>
  indexSource(engine, alias, `tombstones of the live index (${alias})`, { term: { deleted: true } });
