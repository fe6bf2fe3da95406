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
        contextType: '../context.js#SocialContext',
        scalars: { DateTime: 'string' },
        // Entities resolve to their id only; every field batches through a loader.
        mappers: {
          User: '../models.js#UserRef',
          Post: '../models.js#PostRef',
          FollowConnection: '../models.js#FollowConnectionModel',
          Recommendation: '../models.js#RecommendationModel',
          FollowPayload: '../models.js#FollowPayloadModel',
          LikePayload: '../models.js#LikePayloadModel',
        },
      },
    },
  },
};

export default config;
