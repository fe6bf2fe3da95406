import type { TestProject } from 'vitest/node';
import { startGraph, resetNamespace } from './graph-under-test.js';
import { waitForReadModels } from './read-models.js';
import { seedSmallGraph } from './seed.js';

/** One graph for every whole-graph test file: reset its stores, start it, seed it. */
export default async function setup(project: TestProject) {
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
