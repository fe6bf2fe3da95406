import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        contextType: '../context.js#SearchContext',
        enumsAsTypes: true,
        useTypeImports: true,
        // The connection is built whole by the search service; its parts are plain objects.
        mappers: {
          Post: '../results.js#SearchItemRef',
          Product: '../results.js#SearchItemRef',
          User: '../results.js#SearchItemRef',
          SearchResultConnection: '../results.js#SearchConnectionModel',
          Suggestion: '../results.js#SuggestionModel',
        },
      },
    },
  },
};

export default config;
