import { resolverTypesCodegen } from '../../codegen.shared.js';

export default resolverTypesCodegen({
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
});
