import type { SeedTargets } from '../../stack/src/seed/seed-graph.js';
import type { SeedSize } from '../../stack/src/seed/size.js';
import type { GraphNamespace } from './namespace.js';

/** Where `seedGraph` (stack/src/seed/seed-graph.ts) writes a namespace's data. */
export function seedTargets(ns: GraphNamespace): SeedTargets {
  return {
    databaseUrl: ns.databaseUrl,
    mongodbUrl: ns.mongodbUrl,
    neo4jUrl: ns.neo4jUrl,
    neo4jUser: process.env.NEO4J_USER,
    neo4jPassword: process.env.NEO4J_PASSWORD,
  };
}

/**
 * Domain events a seed of this size writes to the outboxes: one per user, product and order (core)
 * and one per post and comment (content). The read models have caught up with a seed once the
 * stream holds them all and every group has applied them.
 */
export function seedEvents(size: SeedSize): number {
  return size.users + size.products + size.orders + size.posts * (1 + (size.commentsPerPost ?? 1));
}
