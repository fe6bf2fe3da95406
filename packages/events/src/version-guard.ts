import type { DomainEvent } from './event.js';

/**
 * The one version guard of every read model (search, semantic, social).
 *
 * Events arrive at least once and, after a redelivery, a claim or a replay, out of order. Each
 * read model keeps, per entity key, the version of the last change it applied and whether that
 * change removed the entity. A removal is kept as a TOMBSTONE carrying its version, so an older
 * update delivered after a delete cannot bring the entity back. The rule, for every store:
 *
 *   apply a change  <=>  nothing is stored for the key, or change.version > stored.version
 *
 * Live entities and tombstones compare alike: a redelivered event (same version) is a no-op, an
 * older one is skipped, and a re-create with a higher version replaces the tombstone.
 *
 * Each store enforces the rule with its own feature where it has one, in the same write:
 * - OpenSearch / Elasticsearch: external versioning (`version_type: external`, strictly greater),
 *   and a delete is written as a tombstone document so the version outlives `index.gc_deletes`.
 * - Neo4j: a conditional MERGE (`WHERE node.version IS NULL OR node.version < $version`) on the
 *   node, a delete keeping the node flagged `deleted` with its version.
 * - Weaviate (no conditional write): the stored versions of live objects and of the tombstone
 *   collection are read first and `decideVersion` is applied; safe with one consumer per group.
 */

/** What a read model remembers of an entity for the guard. */
export interface GuardRecord {
  version: number;
  /** True for a tombstone: the entity was removed from the read model at `version`. */
  deleted: boolean;
}

/** The incoming change, as the guard sees it. */
export interface VersionedChange {
  /** The read model's key of the entity (e.g. `Post:42`, or the post id). */
  key: string;
  version: number;
  /** The change removes the entity from the read model (a delete, a post back to draft). */
  deleted: boolean;
}

export type GuardDecision = 'apply' | 'skip';

/** The rule above; `stored` is null/undefined when the read model never saw the key. */
export function decideVersion(
  stored: GuardRecord | null | undefined,
  incoming: Pick<VersionedChange, 'version'>,
): GuardDecision {
  if (!Number.isSafeInteger(incoming.version) || incoming.version < 1) {
    throw new RangeError(`version must be a positive integer, got ${incoming.version}`);
  }
  if (stored === null || stored === undefined) return 'apply';
  return incoming.version > stored.version ? 'apply' : 'skip';
}

/** The record a change leaves behind once applied (a tombstone for a removal). */
export const recordOf = (change: Pick<VersionedChange, 'version' | 'deleted'>): GuardRecord => ({
  version: change.version,
  deleted: change.deleted,
});

/**
 * An event that deletes its entity: no state after it, or a `…Deleted` type. A read model may
 * remove an entity for its own reasons too (search and semantic drop a post back to draft).
 */
export const isDeletion = (event: Pick<DomainEvent, 'type' | 'payload'>): boolean =>
  event.payload === null || event.type.endsWith('Deleted');

/**
 * The highest version per key of a batch (ties: the later one), in first-seen order. The older
 * changes would be skipped by the guard anyway; dropping them saves the store the writes.
 */
export function latestPerKey<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  versionOf: (item: T) => number,
): T[] {
  const latest = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    const seen = latest.get(key);
    if (seen === undefined || versionOf(item) >= versionOf(seen)) latest.set(key, item);
  }
  return [...latest.values()];
}

/**
 * The contract's cases, written once and run by every read model's tests against its real store
 * (each step is delivered as one batch, in order). `visibleVersion` is the version the entity is
 * shown at after all steps, null when it must be absent.
 */
export interface GuardScenario {
  name: string;
  steps: { version: number; deleted: boolean }[];
  /** Whether each step was applied (true) or skipped (false). */
  applied: boolean[];
  visibleVersion: number | null;
}

export const VERSION_GUARD_SCENARIOS: readonly GuardScenario[] = [
  {
    name: 'a delete followed by an older update delivered late leaves the entity deleted',
    steps: [
      { version: 1, deleted: false },
      { version: 3, deleted: true },
      { version: 2, deleted: false },
    ],
    applied: [true, true, false],
    visibleVersion: null,
  },
  {
    name: 'a redelivered event is a no-op',
    steps: [
      { version: 1, deleted: false },
      { version: 2, deleted: false },
      { version: 2, deleted: false },
    ],
    applied: [true, true, false],
    visibleVersion: 2,
  },
  {
    name: 'a redelivered delete is a no-op',
    steps: [
      { version: 1, deleted: false },
      { version: 2, deleted: true },
      { version: 2, deleted: true },
    ],
    applied: [true, true, false],
    visibleVersion: null,
  },
  {
    name: 'a re-create with a higher version than the tombstone appears',
    steps: [
      { version: 1, deleted: false },
      { version: 2, deleted: true },
      { version: 3, deleted: false },
    ],
    applied: [true, true, true],
    visibleVersion: 3,
  },
  {
    name: 'a delete arriving before its entity was ever seen still blocks the older create',
    steps: [
      { version: 2, deleted: true },
      { version: 1, deleted: false },
    ],
    applied: [true, false],
    visibleVersion: null,
  },
];
