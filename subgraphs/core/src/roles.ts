import type { Role } from './generated/prisma/enums.js';

/**
 * The scopes a token carries for each role (the OAuth / Apollo Router convention: a space-separated
 * `scope` claim). The gateway's authorization directives and core's own checks read these names.
 */
export const CATALOG_WRITE = 'catalog:write';
/** Staff's order handling (updateOrderStatus). */
export const ORDERS_WRITE = 'orders:write';

export const SCOPES_BY_ROLE: Record<Role, readonly string[]> = {
  customer: ['customer'],
  admin: ['customer', 'admin', CATALOG_WRITE, ORDERS_WRITE],
};

export const ROLES = Object.keys(SCOPES_BY_ROLE) as Role[];
