import { resolverTypesCodegen } from '../../codegen.shared.js';

/** Entity parents are the Prisma rows the resolvers return. */
export default resolverTypesCodegen({
  contextType: '../context.js#CoreContext',
  enumsAsTypes: true,
  scalars: { DateTime: 'Date' },
  mappers: {
    User: '../store.js#UserRow',
    Product: '../store.js#ProductRow',
    Order: '../store.js#OrderRow',
    OrderItem: '../store.js#OrderItemRow',
  },
});
