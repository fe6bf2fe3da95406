import { badUserInput, conflict, notFound } from '@aetherial/subgraph-kit';
import { productCreated, productUpdated, recordEvents } from '../events.js';
import type { CreateProductInput, UpdateProductInput } from '../generated/graphql.js';
import { Prisma, isUuid, uniqueViolationField, type CoreDb, type ProductRow } from '../store.js';
import { validateCreateProduct, validateUpdateProduct } from '../validation.js';

export async function createProduct(db: CoreDb, input: CreateProductInput): Promise<ProductRow> {
  const valid = validateCreateProduct(input);
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.product.findUnique({ where: { sku: valid.sku }, select: { id: true } })) {
        throw badUserInput('sku', `${valid.sku} is already used by another product`);
      }
      const product = await tx.product.create({ data: valid });
      await recordEvents(tx, [productCreated(product)]);
      return product;
    });
  } catch (error) {
    if (uniqueViolationField(error) === 'sku')
      throw badUserInput('sku', `${valid.sku} is already used by another product`);
    throw error;
  }
}

/**
 * Changes the given fields and bumps the version in one UPDATE, with its ProductUpdated event.
 * With `expectedVersion` it is a compare-and-set: CONFLICT when someone changed the product since.
 */
export async function updateProduct(db: CoreDb, id: string, input: UpdateProductInput): Promise<ProductRow> {
  const { changes, expectedVersion } = validateUpdateProduct(input);
  if (!isUuid(id)) throw notFound('Product', id);
  try {
    return await db.$transaction(async (tx) => {
      const product = await tx.product.update({
        where: expectedVersion === null ? { id } : { id, version: expectedVersion },
        data: { ...changes, version: { increment: 1 } },
      });
      await recordEvents(tx, [productUpdated(product)]);
      return product;
    });
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2025') throw error;
    const current = await db.product.findUnique({ where: { id }, select: { version: true } });
    if (!current) throw notFound('Product', id);
    throw conflict(
      'expectedVersion',
      `product is at version ${current.version}, not ${expectedVersion}; reload and retry`,
    );
  }
}
