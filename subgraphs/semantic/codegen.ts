import { resolverTypesCodegen } from '../../codegen.shared.js';

export default resolverTypesCodegen({
  contextType: '../context.js#SemanticContext',
  mappers: { Post: '../context.js#PostRef' },
  scalars: { DateTime: 'string' },
  enumsAsTypes: true,
});
