import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, print, visit, type DefinitionNode, type DocumentNode } from 'graphql';

/** The kit's shared declarations (`@cacheControl`, `CacheControlScope`, `DateTime`, `PageInfo`). */
export const PRELUDE_FILE = fileURLToPath(new URL('../prelude.graphql', import.meta.url));

type Named = { name: string; node: DefinitionNode };

function definedName(node: DefinitionNode): string | undefined {
  if (node.kind === 'DirectiveDefinition') return `@${node.name.value}`;
  return 'name' in node && node.name ? node.name.value : undefined;
}

/** Every type and directive a document refers to (`@name` for directives). */
function references(node: DocumentNode | DefinitionNode): Set<string> {
  const names = new Set<string>();
  visit(node, {
    NamedType: (named) => void names.add(named.name.value),
    Directive: (directive) => void names.add(`@${directive.name.value}`),
  });
  return names;
}

let prelude: Named[] | undefined;
function preludeDefinitions(): Named[] {
  prelude ??= parse(readFileSync(PRELUDE_FILE, 'utf8')).definitions.map((node) => ({
    name: definedName(node)!,
    node,
  }));
  return prelude;
}

/**
 * A subgraph's SDL with the prelude declarations it refers to put in front (and what those refer
 * to), so the composed supergraph has exactly the shared types each subgraph uses. A schema that
 * declares a prelude name itself is refused: the kit's declaration is the one.
 */
export function withPrelude(sdl: string, source = 'schema.graphql'): string {
  const document = parse(sdl);
  const own = new Set(document.definitions.map(definedName).filter((name) => name !== undefined));
  const duplicated = preludeDefinitions().filter(({ name }) => own.has(name));
  if (duplicated.length > 0)
    throw new Error(
      `${source} declares ${duplicated.map(({ name }) => name).join(', ')}: the subgraph kit's prelude ` +
        `(packages/subgraph-kit/prelude.graphql) provides ${duplicated.length === 1 ? 'it' : 'them'}; remove the copy`,
    );
  const wanted = references(document);
  const included = new Set<string>();
  // Until nothing new: PageInfo brings @cacheControl, which brings CacheControlScope.
  for (let grew = true; grew;) {
    grew = false;
    for (const { name, node } of preludeDefinitions()) {
      if (included.has(name) || !wanted.has(name)) continue;
      included.add(name);
      for (const reference of references(node)) wanted.add(reference);
      grew = true;
    }
  }
  if (included.has('PageInfo') && !/"@shareable"/.test(sdl))
    throw new Error(`${source} uses PageInfo, which is @shareable: import "@shareable" in its @link`);
  const parts = preludeDefinitions()
    .filter(({ name }) => included.has(name))
    .map(({ node }) => print(node));
  return parts.length === 0 ? sdl : `${parts.join('\n\n')}\n\n${sdl.trimStart()}`;
}

/**
 * A subgraph's `schema.graphql` with the prelude merged in, parsed: what the subgraph serves (the
 * schema is the contract; it lives in a file, not in code).
 */
export function loadSubgraphSchema(path: string | URL): DocumentNode {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  return parse(withPrelude(readFileSync(file, 'utf8'), file));
}

const GENERATED_NOTICE =
  "# Generated from schema.graphql and the subgraph kit's prelude.graphql by the codegen: do not edit.\n" +
  '# What composition (supergraph.yaml) and the schema registry read.\n\n';

/**
 * Writes `schemaFile` with the prelude merged in to `outFile` (`src/generated/subgraph.graphql`):
 * the whole SDL of the subgraph, for codegen, `npm run compose` and `npm run schema`.
 */
export function writeSubgraphSdl(schemaFile: string, outFile: string): string {
  const sdl = GENERATED_NOTICE + withPrelude(readFileSync(schemaFile, 'utf8'), schemaFile);
  mkdirSync(dirname(outFile), { recursive: true });
  // Write then rename: a compose running meanwhile never reads half of it.
  writeFileSync(`${outFile}.tmp`, sdl);
  renameSync(`${outFile}.tmp`, outFile);
  return sdl;
}
