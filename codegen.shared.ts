import type { CodegenConfig } from '@graphql-codegen/cli';

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
 */
export function resolverTypesCodegen({
  contextType,
  mappers,
  scalars,
  enumsAsTypes,
}: ResolverTypesOptions): CodegenConfig {
  return {
    schema: 'schema.graphql',
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
