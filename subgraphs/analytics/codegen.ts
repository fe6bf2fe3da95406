import { resolverTypesCodegen } from '../../codegen.shared.js';

export default resolverTypesCodegen({
  contextType: '../context.js#AnalyticsContext',
  scalars: { DateTime: 'string' },
  // Entities resolve to their id only; every field batches through a loader.
  mappers: {
    User: '../models.js#EntityRef',
    Post: '../models.js#EntityRef',
    Product: '../models.js#EntityRef',
    TrendingPost: '../models.js#TrendingPostModel',
  },
  enumsAsTypes: true,
});
