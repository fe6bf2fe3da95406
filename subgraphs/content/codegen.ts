import { resolverTypesCodegen } from '../../codegen.shared.js';

export default resolverTypesCodegen({
  contextType: '../context.js#ContentContext',
  scalars: { DateTime: { input: 'string', output: 'Date | string' } },
  mappers: {
    Post: '../models/post.js#PostRecord',
    Comment: '../models/comment.js#CommentRecord',
    User: '../models/user-ref.js#UserRef',
  },
});
