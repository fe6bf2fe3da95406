import type { TestProject } from 'vitest/node';
import { claimRun } from './claim-run.js';

/** One graph for every whole-graph test file: reset its stores, start it, seed it. */
export default async function setup(project: TestProject) {
  await claimRun();
  // Imported only now: namespace.ts reads the ports and stream claimRun() just chose.
  const { e2e } = await import('./namespace.js');
  const { startGraph, resetNamespace } = await import('../graph/graph-under-test.js');
  const { waitForReadModels } = await import('../graph/read-models.js');
  const { e2eSeedSize, seedSmallGraph } = await import('./seed.js');
  const { seedEvents } = await import('../graph/seed.js');
  await resetNamespace(e2e);
  const graph = await startGraph(e2e);
  try {
    project.provide('seeded', await seedSmallGraph(e2e));
    await waitForReadModels(e2e, { minEvents: seedEvents(e2eSeedSize) });
  } catch (error) {
    await graph.stop();
    throw error;
  }
  return () => graph.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    seeded: import('./seed.js').SeededGraph;
  }
}
