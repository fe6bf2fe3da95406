import type { CodegenConfig } from '@graphql-codegen/cli';

/** Resolver types from schema.graphql; entity parents are the Prisma rows the resolvers return. */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../context.js#CoreContext',
        scalars: { DateTime: 'Date' },
        mappers: {
          User: '../store.js#UserRow',
          Product: '../store.js#ProductRow',
          Order: '../store.js#OrderRow',
          OrderItem: '../store.js#OrderItemRow',
        },
      },
    },
  },
};

export default config;
