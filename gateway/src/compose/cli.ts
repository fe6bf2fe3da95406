/**
 * `npm run compose`: supergraph.yaml -> supergraph.graphql. Fails (exit 1) with every composition
 * error named (Apollo's messages name the subgraph, type and field) and leaves the old file alone.
 */
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { compose } from './compose.js';
import { readSupergraphConfig } from './supergraph-config.js';

const root = resolve(import.meta.dirname, '../../..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const [configArg, outputArg] = args.filter((arg) => !arg.startsWith('--'));
const configPath = resolve(root, configArg ?? 'supergraph.yaml');
const outputPath = resolve(root, outputArg ?? 'supergraph.graphql');

const subgraphs = readSupergraphConfig(configPath);
const outcome = compose(subgraphs);
if (!outcome.ok) {
  console.error(
    `composition of ${subgraphs.map((s) => s.name).join(', ')} failed:\n${outcome.errors.map((e) => `  ${e}`).join('\n')}`,
  );
  process.exit(1);
}
if (check) {
  const current = existsSync(outputPath) ? readFileSync(outputPath, 'utf8') : '';
  if (current !== outcome.supergraphSdl) {
    console.error(`${outputPath} is out of date: run npm run compose`);
    process.exit(1);
  }
  console.log('supergraph.graphql is up to date');
} else {
  // Write then rename: a gateway watching the file never reads half of it.
  writeFileSync(`${outputPath}.tmp`, outcome.supergraphSdl);
  renameSync(`${outputPath}.tmp`, outputPath);
  console.log(`composed ${subgraphs.map((s) => s.name).join(', ')} -> ${outputPath}`);
}
