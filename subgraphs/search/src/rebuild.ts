import type { Logger } from 'pino';
import { swapAlias } from './aliases.js';
import type { IndexDefinition, SearchEngine } from './engine/engine.js';
import { pendingAlias, versionedIndexName } from './mappings.js';
import { BulkWriteError } from './indexer.js';
import { liveTombstonesSource } from './sources/live-index.js';
import type { DocumentSource } from './sources/source.js';

export interface RebuildOptions {
  engine: SearchEngine;
  alias: string;
  definition: IndexDefinition;
  sources: DocumentSource[];
  log: Logger;
  pageSize?: number;
  /** Discard a pending index left by a reindex that crashed (never use while another one runs). */
  force?: boolean;
  /** Called after each page was written (progress output; tests use it to write concurrently). */
  onPage?: (progress: { source: string; documents: number }) => Promise<void> | void;
}

export interface RebuildResult {
  index: string;
  /** The indices the alias pointed at before (now deleted). */
  replaced: string[];
  documents: Record<string, number>;
  stale: number;
  ms: number;
}

/**
 * Rebuilds the search index from the sources of truth without downtime:
 *  1. create `<alias>-v<now>` behind the pending alias: from then on the indexer writes every
 *     event to it as well as to the live index;
 *  2. copy the live index's tombstones (the version guard's memory of removals, which the sources
 *     of truth no longer have), then page through every source and bulk-index each page with the entity's version as external
 *     version (a page that was read before a change loses to the change's event: 409, not an
 *     overwrite; and an event applied before the page is kept the same way);
 *  3. refresh, then in one atomic `_aliases` request point the read alias at the new index, drop
 *     the pending alias and delete the old index.
 * Readers use the old index until step 3 and the new one after; no event is lost in between.
 */
export async function rebuildIndex(options: RebuildOptions): Promise<RebuildResult> {
  const { engine, alias, definition, sources, log, pageSize = 500 } = options;
  const started = performance.now();
  const pending = pendingAlias(alias);
  const leftover = await engine.aliasTargets(pending);
  if (leftover.length > 0) {
    if (!options.force) {
      throw new Error(
        `a reindex is running or crashed: ${leftover.join(', ')} is behind ${pending}. ` +
          'If none is running, rerun with --force to delete it.',
      );
    }
    for (const index of leftover) await engine.deleteIndex(index);
    log.warn({ deleted: leftover }, 'deleted the index of an abandoned reindex');
  }

  const index = versionedIndexName(alias);
  await engine.createIndex(index, definition, [pending]);
  log.info({ index, alias }, 'reindex: created the new index; the indexer now writes to both');
  const documents: Record<string, number> = {};
  let stale = 0;
  try {
    for (const source of [liveTombstonesSource(engine, alias), ...sources]) {
      let written = 0;
      for await (const page of source.pages(pageSize)) {
        const results = await engine.bulk(
          page.map((document) => ({
            action: 'index',
            index,
            id: document.key,
            version: document.version,
            source: { ...document },
          })),
        );
        const failures = results.filter((result) => result.outcome === 'failed');
        if (failures.length > 0) throw new BulkWriteError(failures);
        stale += results.filter((result) => result.outcome === 'stale').length;
        written += page.length;
        await options.onPage?.({ source: source.name, documents: written });
      }
      documents[source.name] = written;
      log.info({ source: source.name, documents: written }, 'reindex: source done');
    }
    await engine.refresh(index);
    const replaced = await swapAlias(engine, alias, index);
    const ms = Math.round(performance.now() - started);
    log.info({ alias, index, replaced, documents, stale, ms }, 'reindex: alias swapped, old index deleted');
    return { index, replaced, documents, stale, ms };
  } catch (error) {
    // Nothing half-done stays behind: readers never saw the new index.
    await engine.deleteIndex(index).catch(() => undefined);
    throw error;
  }
}
