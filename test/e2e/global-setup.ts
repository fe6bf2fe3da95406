import type { TestProject } from 'vitest/node';
import { claimRun } from './claim-run.js';

/** One graph for every whole-graph test file: reset its stores, start it, seed it. */
export default async function setup(project: TestProject) {
  await claimRun();
  // Imported only now: namespace.ts reads the ports and stream claimRun() just chose.
  const { startGraph, resetNamespace } = await import('./graph-under-test.js');
  const { waitForReadModels } = await import('./read-models.js');
  const { seedSmallGraph } = await import('./seed.js');
  await resetNamespace();
  const graph = await startGraph();
  try {
    project.provide('seeded', await seedSmallGraph());
    await waitForReadModels();
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
