import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';

/** Loads a subgraph's `schema.graphql` (the schema is the contract; it lives in a file, not in code). */
export function loadTypeDefs(path: string | URL): DocumentNode {
  return parse(readFileSync(path, 'utf8'));
}
