/**
 * Writes every subgraph's whole SDL (`subgraphs/<name>/src/generated/subgraph.graphql`: its
 * schema.graphql with the kit's prelude), which supergraph.yaml points at. Codegen writes it too;
 * `npm run compose` and `npm run schema` run this first so they need no codegen.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeSubgraphSdl } from './schema.js';

const subgraphsDir = resolve(process.argv[2] ?? 'subgraphs');
for (const name of readdirSync(subgraphsDir)) {
  const schemaFile = join(subgraphsDir, name, 'schema.graphql');
  if (existsSync(schemaFile))
    writeSubgraphSdl(schemaFile, join(subgraphsDir, name, 'src/generated/subgraph.graphql'));
}
