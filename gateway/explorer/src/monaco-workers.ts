import { readPageConfig } from './read-page-config.js';

/**
 * Tells Monaco where its workers are: our own bundled scripts on this origin. Without it Monaco
 * falls back to loading them from a CDN or a blob: URL. Must run before any editor is created,
 * hence its own module, imported first by main.tsx.
 */
const { workerUrls } = readPageConfig();

window.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    const url = label === 'json' || label === 'graphql' ? workerUrls[label] : workerUrls.editor;
    return new Worker(url, { name: `monaco-${label}` });
  },
};
