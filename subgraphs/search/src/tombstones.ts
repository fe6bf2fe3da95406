import type { TombstoneStore } from '@aetherial/events';
import type { SearchEngine } from './engine/engine.js';

/**
 * The search index's tombstones for the purge (@aetherial/events' purgeTombstones): those written
 * before the cutoff go in one delete-by-query, the engine's own bulk delete. One re-created since
 * (a live document at a higher version) is no longer a tombstone and stays.
 */
export const searchTombstones = (engine: SearchEngine, alias: string): TombstoneStore => ({
  name: 'search',
  purgeTombstones: (removedBefore) =>
    engine.deleteByQuery(alias, {
      bool: {
        filter: [{ term: { deleted: true } }, { range: { removedAt: { lt: removedBefore.toISOString() } } }],
      },
    }),
});
