import { composeServices } from '@apollo/composition';
import { parse, GraphQLError } from 'graphql';
import type { SubgraphSource } from './supergraph-config.js';

export type CompositionOutcome = { ok: true; supergraphSdl: string } | { ok: false; errors: string[] };

function describe(error: GraphQLError): string {
  const code = (error.extensions?.code as string | undefined) ?? 'COMPOSITION_ERROR';
  const where = (error.nodes ?? [])
    .map((node) => node.loc?.source.name)
    .filter((name): name is string => Boolean(name) && name !== 'GraphQL request');
  return `[${code}] ${error.message}${where.length > 0 ? ` (in ${[...new Set(where)].join(', ')})` : ''}`;
}

/** Composes subgraph schemas into a supergraph with Apollo's own composition library. */
export function compose(subgraphs: SubgraphSource[]): CompositionOutcome {
  const errors: string[] = [];
  const services = subgraphs.flatMap((subgraph) => {
    try {
      return [
        { name: subgraph.name, url: subgraph.url, typeDefs: parse(subgraph.sdl, { noLocation: false }) },
      ];
    } catch (error) {
      errors.push(
        `[INVALID_GRAPHQL] subgraph "${subgraph.name}" (${subgraph.schemaFile}): ${(error as Error).message}`,
      );
      return [];
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map(describe) };
  return { ok: true, supergraphSdl: result.supergraphSdl };
}
