import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        useTypeImports: true,
        contextType: '../context.js#ContentContext',
        scalars: { DateTime: { input: 'string', output: 'Date | string' } },
        mappers: {
          Post: '../models/post.js#PostRecord',
          Comment: '../models/comment.js#CommentRecord',
          User: '../models/user-ref.js#UserRef',
        },
      },
    },
  },
};

export default config;
