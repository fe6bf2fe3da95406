import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContentSubgraph } from '../src/subgraph.js';
import { startTestSubgraph } from './helpers.js';

let subgraph: ContentSubgraph;

beforeAll(async () => {
  subgraph = await startTestSubgraph();
});
afterAll(async () => {
  await subgraph?.stop();
});

/** The winning plan's stages, depth first (MongoDB's explain format). */
function stages(
  plan: { stage?: string; inputStage?: unknown; inputStages?: unknown[] } | undefined,
): string[] {
  if (!plan) return [];
  const inputs = [plan.inputStage, ...(plan.inputStages ?? [])].filter(Boolean) as (typeof plan)[];
  return [plan.stage ?? '', ...inputs.flatMap(stages)];
}

describe("the relay's drain query", () => {
  it.each(['posts', 'comments'] as const)('has an index on hasPendingEvents in %s', async (name) => {
    const model = subgraph.store[name];
    const indexes = (await model.collection.indexes()) as { key: Record<string, number> }[];
    expect(indexes.map((index) => index.key)).toContainEqual({ hasPendingEvents: 1 });
    if (subgraph.store.batchReads === 'point') return; // FerretDB: its plans are PostgreSQL's (see README)
    const explained = (await model.collection.find({ hasPendingEvents: true }).limit(100).explain()) as {
      queryPlanner: { winningPlan: Parameters<typeof stages>[0] };
    };
    expect(stages(explained.queryPlanner.winningPlan)).toContain('IXSCAN');
  });
});
