import {
  addCacheTags,
  badUserInput,
  dateTimeScalar,
  graphQLError,
  hasScope,
  notFound,
  unauthenticated,
} from '@aetherial/subgraph-kit';
import { coreCacheTags } from './events.js';
import type { CoreContext } from './context.js';
import type { Resolvers } from './generated/graphql.js';
import { ordersPage, productsPage, usersPage } from './pages.js';
import { CATALOG_WRITE, ORDERS_WRITE } from './roles.js';
import { changeOrderStatus, placeOrder } from './services/orders.js';
import { createProduct, updateProduct } from './services/products.js';
import { logIn, signUp } from './services/users.js';
import type { UserRow } from './store.js';

function viewerId(context: CoreContext): string {
  if (context.viewer.userId === null) throw unauthenticated();
  return context.viewer.userId;
}

/** The viewer's account; a token for an account that no longer exists is not a sign-in. */
async function viewer(context: CoreContext): Promise<UserRow> {
  const user = await context.loaders.userById.load(viewerId(context));
  if (!user) throw unauthenticated('your account no longer exists: sign in again');
  return user;
}

/**
 * Catalogue writes, checked here as well as at the gateway (defence in depth): the token must grant
 * `catalog:write` and the account must still be an admin in the database, so an admin whose role
 * was revoked is refused at once, whatever token they still hold.
 */
async function catalogueWriter(context: CoreContext, field: string): Promise<UserRow> {
  return staff(context, field, CATALOG_WRITE);
}

/** A staff write: the token's scope and, in the database, the admin role (see catalogueWriter). */
async function staff(context: CoreContext, field: string, scope: string): Promise<UserRow> {
  const user = await viewer(context);
  if (!hasScope(context.viewer, scope) || user.role !== 'admin') {
    throw graphQLError('FORBIDDEN', `${field} needs the scope ${scope} (the admin role)`, {
      requiredScopes: [scope],
    });
  }
  return user;
}

/** For fields that fetch by id: a missing entity is null plus a NOT_FOUND error. */
function found<T>(value: T | null, type: string, id: string): T {
  if (value === null) throw notFound(type, id);
  return value;
}

/** For non-null references (an order's buyer or product): missing means broken data, not bad input. */
function present<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`${what} is missing`);
  return value;
}

/** A write that recorded domain events: once it has committed, the outbox relay is nudged for them. */
async function recorded<T>(context: CoreContext, write: Promise<T>): Promise<T> {
  const result = await write;
  context.eventsRecorded();
  return result;
}

async function authPayload(context: CoreContext, user: UserRow) {
  context.loaders.userById.prime(user.id, user);
  context.signedInAs = user.id;
  return { token: await context.issueToken(user), user };
}

export const resolvers: Resolvers = {
  DateTime: dateTimeScalar,

  Query: {
    me: (_parent, _args, context) =>
      context.viewer.userId === null ? null : context.loaders.userById.load(context.viewer.userId),

    user: async (_parent, { id, handle }, context) => {
      if ((id == null) === (handle == null)) throw badUserInput('id', 'give exactly one of id or handle');
      if (id != null) return found(await context.loaders.userById.load(id), 'User', id);
      const user = found(
        await context.db.user.findUnique({ where: { handle: handle!.trim().toLowerCase() } }),
        'User',
        handle!,
      );
      context.loaders.userById.prime(user.id, user);
      return user;
    },

    users: (_parent, { first, after }, context) => usersPage(context.db, first, after),

    product: async (_parent, { id }, context) =>
      found(await context.loaders.productById.load(id), 'Product', id),

    products: (_parent, { first, after }, context) => productsPage(context.db, first, after),

    // Someone else's order answers NOT_FOUND too: its existence is the buyer's business.
    order: async (_parent, { id }, context) => {
      const buyerId = viewerId(context);
      const order = await context.loaders.orderById.load(id);
      if (!order || order.buyerId !== buyerId) throw notFound('Order', id);
      return order;
    },

    myOrders: (_parent, { first, after }, context) => ordersPage(context.db, viewerId(context), first, after),
  },

  Mutation: {
    signUp: async (_parent, { input }, context) => {
      const user = await recorded(context, signUp(context.db, input));
      // What the write's event drops, dropped by the gateway before it answers (see events.ts).
      addCacheTags(context, coreCacheTags('UserCreated', null));
      return authPayload(context, user);
    },
    logIn: async (_parent, { input }, context) => authPayload(context, await logIn(context.db, input)),
    createProduct: async (_parent, { input }, context) => {
      await catalogueWriter(context, 'createProduct');
      const product = await recorded(context, createProduct(context.db, input));
      addCacheTags(context, coreCacheTags('ProductCreated', null));
      return product;
    },
    updateProduct: async (_parent, { id, input }, context) => {
      await catalogueWriter(context, 'updateProduct');
      return recorded(context, updateProduct(context.db, id, input));
    },
    placeOrder: async (_parent, { input }, context) => {
      const buyer = await viewer(context);
      const order = await recorded(context, placeOrder(context.db, buyer.id, input));
      addCacheTags(context, coreCacheTags('OrderPlaced', { items: input.items }));
      return order;
    },
    updateOrderStatus: async (_parent, { id, status }, context) => {
      const member = await staff(context, 'updateOrderStatus', ORDERS_WRITE);
      return recorded(context, changeOrderStatus(context.db, { orderId: id, status, changedBy: member.id }));
    },
    cancelOrder: async (_parent, { id }, context) => {
      const buyer = await viewer(context);
      return recorded(
        context,
        changeOrderStatus(context.db, {
          orderId: id,
          status: 'CANCELLED',
          changedBy: buyer.id,
          buyerId: buyer.id,
        }),
      );
    },
  },

  User: {
    __resolveReference: (reference, context) => context.loaders.userById.load(reference.id),
    email: (user, _args, context) =>
      context.viewer.userId === user.id || context.signedInAs === user.id ? user.email : null,
  },

  Product: {
    __resolveReference: (reference, context) => context.loaders.productById.load(reference.id),
  },

  Order: {
    __resolveReference: async (reference, context) => {
      const order = await context.loaders.orderById.load(reference.id);
      return order && order.buyerId === context.viewer.userId ? order : null;
    },
    buyer: async (order, _args, context) =>
      present(
        await context.loaders.userById.load(order.buyerId),
        `buyer ${order.buyerId} of order ${order.id}`,
      ),
    items: (order, _args, context) => context.loaders.orderItemsByOrderId.load(order.id),
  },

  OrderItem: {
    product: async (item, _args, context) =>
      present(
        await context.loaders.productById.load(item.productId),
        `product ${item.productId} of order ${item.orderId}`,
      ),
  },
};
