import { resolve } from 'node:path';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { writeSubgraphSdl } from './packages/subgraph-kit/src/schema.js';

/** The subgraph's whole SDL (schema.graphql with the kit's prelude): what composition reads too. */
const SUBGRAPH_SDL = 'src/generated/subgraph.graphql';

type ResolverTypesOptions = {
  /** `../context.js#SocialContext`: the resolvers' context type. */
  contextType: string;
  /** GraphQL type → the model its resolvers receive as parent (`../models.js#UserRef`). */
  mappers: Record<string, string>;
  scalars?: Record<string, string | { input: string; output: string }>;
  enumsAsTypes?: boolean;
};

/**
 * Every subgraph's resolver types come from its schema.graphql the same way (Federation-aware,
 * into src/generated/graphql.ts); a subgraph's codegen.ts names only its context, models and scalars.
 * The schema is first merged with the kit's prelude (PageInfo, DateTime, @cacheControl) into
 * src/generated/subgraph.graphql, which supergraph.yaml points at.
 */
export function resolverTypesCodegen({
  contextType,
  mappers,
  scalars,
  enumsAsTypes,
}: ResolverTypesOptions): CodegenConfig {
  // Codegen runs in the subgraph's folder.
  writeSubgraphSdl(resolve('schema.graphql'), resolve(SUBGRAPH_SDL));
  return {
    schema: SUBGRAPH_SDL,
    generates: {
      'src/generated/graphql.ts': {
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          useIndexSignature: true,
          useTypeImports: true,
          contextType,
          mappers,
          ...(scalars ? { scalars } : {}),
          ...(enumsAsTypes ? { enumsAsTypes } : {}),
        },
      },
    },
  };
}
