import type { SeedSize } from '../../stack/src/seed/size.js';
import { seedGraph } from '../../stack/src/seed/seed-graph.js';
import type { GraphNamespace } from '../graph/namespace.js';
import { seedTargets } from '../graph/seed.js';

export interface SeededGraph {
  userIds: string[];
  postIds: string[];
  productIds: string[];
}

/** The small graph the whole-graph tests read (seed 7, no drafts, two comments on every post). */
export const e2eSeedSize: SeedSize = {
  users: 24,
  products: 12,
  orders: 10,
  posts: 150,
  commentsPerPost: 2,
  draftShare: 0,
  follows: 120,
  likes: 300,
  seed: 7,
};

/** A small graph through the real seed paths of core, content and social. */
export async function seedSmallGraph(ns: GraphNamespace): Promise<SeededGraph> {
  const { userIds, postIds, productIds } = await seedGraph(e2eSeedSize, () => undefined, seedTargets(ns));
  return { userIds, postIds, productIds };
}
