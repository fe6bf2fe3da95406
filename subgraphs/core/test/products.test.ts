import type { Viewer } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_PRODUCT,
  createProduct,
  firstError,
  startTestSubgraph,
  type TestSubgraph,
} from './helpers.js';

let subgraph: TestSubgraph;
/** Catalogue writes need the admin role: the seller is the test database's admin. */
let seller: Viewer;
beforeAll(async () => {
  subgraph = await startTestSubgraph();
  seller = await subgraph.admin();
});
afterAll(async () => {
  await subgraph?.stop();
});

const UPDATE_PRODUCT = /* GraphQL */ `
  mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) {
    updateProduct(id: $id, input: $input) {
      id
      title
      priceCents
      stock
      updatedAt
    }
  }
`;

describe('createProduct', () => {
  it('creates a product with its ProductCreated event', async () => {
    const product = await createProduct(subgraph, {
      sku: 'LAMP-1',
      title: '  Desk lamp ',
      priceCents: 2599,
      stock: 3,
      currency: 'eur',
    });
    expect(product).toMatchObject({
      sku: 'LAMP-1',
      title: 'Desk lamp',
      description: '',
      priceCents: 2599,
      currency: 'EUR',
      stock: 3,
    });
    const events = await subgraph.db.outboxEvent.findMany({ where: { entityId: product.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'ProductCreated', entity: 'Product', version: 1 });
    expect(events[0]!.payload).toMatchObject({ id: product.id, sku: 'LAMP-1', stock: 3, priceCents: 2599 });
  });

  const invalid: [string, string, Record<string, unknown>][] = [
    ['empty title', 'title', { title: '  ' }],
    ['negative price', 'priceCents', { priceCents: -1 }],
    ['negative stock', 'stock', { stock: -5 }],
    ['bad sku', 'sku', { sku: 'has spaces' }],
    ['bad currency', 'currency', { currency: 'EURO' }],
    ['duplicate sku', 'sku', { sku: 'LAMP-1' }],
  ];

  it.each(invalid)('%s -> BAD_USER_INPUT on %s, nothing written', async (_name, field, overrides) => {
    const [products, events] = [await subgraph.db.product.count(), await subgraph.db.outboxEvent.count()];
    const result = await subgraph.call(
      CREATE_PRODUCT,
      { input: { sku: 'NEW-1', title: 'New', priceCents: 100, ...overrides } },
      seller,
    );
    expect(result.data).toBeNull();
    expect(firstError(result)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await subgraph.db.product.count()).toBe(products);
    expect(await subgraph.db.outboxEvent.count()).toBe(events);
  });

  it('needs a signed-in viewer', async () => {
    const result = await subgraph.call(CREATE_PRODUCT, {
      input: { sku: 'ANON-1', title: 'x', priceCents: 1 },
    });
    expect(firstError(result).code).toBe('UNAUTHENTICATED');
  });

  it('the database itself refuses negative stock (CHECK constraint), whatever the code does', async () => {
    const product = await createProduct(subgraph);
    await expect(
      subgraph.db.$executeRaw`UPDATE "Product" SET "stock" = -1 WHERE "id" = ${product.id}::uuid`,
    ).rejects.toThrow(/Product_stock_check|check constraint/i);
    await expect(
      subgraph.db.$executeRaw`UPDATE "Product" SET "priceCents" = -1 WHERE "id" = ${product.id}::uuid`,
    ).rejects.toThrow(/Product_priceCents_check|check constraint/i);
  });
});

describe('updateProduct', () => {
  it('changes stock and price, bumps the version and records one ProductUpdated per change', async () => {
    const product = await createProduct(subgraph, { priceCents: 1000, stock: 1 });
    const first = await subgraph.call<{ updateProduct: { stock: number; priceCents: number } }>(
      UPDATE_PRODUCT,
      { id: product.id, input: { stock: 7 } },
      seller,
    );
    expect(first.data!.updateProduct).toMatchObject({ stock: 7, priceCents: 1000 });
    const second = await subgraph.call<{ updateProduct: { stock: number; priceCents: number } }>(
      UPDATE_PRODUCT,
      { id: product.id, input: { priceCents: 1299, expectedVersion: 2 } },
      seller,
    );
    expect(second.errors).toBeUndefined();
    expect(second.data!.updateProduct).toMatchObject({ stock: 7, priceCents: 1299 });
    const stored = await subgraph.db.product.findUniqueOrThrow({ where: { id: product.id } });
    expect(stored.version).toBe(3);
    const events = await subgraph.db.outboxEvent.findMany({
      where: { entityId: product.id },
      orderBy: { sequence: 'asc' },
    });
    expect(events.map((event) => [event.type, event.version])).toEqual([
      ['ProductCreated', 1],
      ['ProductUpdated', 2],
      ['ProductUpdated', 3],
    ]);
    expect(events[2]!.payload).toMatchObject({ stock: 7, priceCents: 1299 });
  });

  it('answers CONFLICT when expectedVersion is stale, and changes nothing', async () => {
    const product = await createProduct(subgraph, { stock: 4 });
    await subgraph.call(UPDATE_PRODUCT, { id: product.id, input: { stock: 5 } }, seller);
    const stale = await subgraph.call(
      UPDATE_PRODUCT,
      { id: product.id, input: { stock: 9, expectedVersion: 1 } },
      seller,
    );
    expect(firstError(stale)).toMatchObject({ code: 'CONFLICT', field: 'expectedVersion' });
    expect((await subgraph.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(5);
    expect(await subgraph.db.outboxEvent.count({ where: { entityId: product.id } })).toBe(2);
  });

  it('validates the changes', async () => {
    const product = await createProduct(subgraph);
    expect(
      firstError(await subgraph.call(UPDATE_PRODUCT, { id: product.id, input: { stock: -1 } }, seller)),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'stock',
    });
    expect(
      firstError(await subgraph.call(UPDATE_PRODUCT, { id: product.id, input: { priceCents: -10 } }, seller)),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'priceCents',
    });
    expect(
      firstError(await subgraph.call(UPDATE_PRODUCT, { id: product.id, input: { title: '' } }, seller)),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'title',
    });
    expect(
      firstError(await subgraph.call(UPDATE_PRODUCT, { id: product.id, input: {} }, seller)),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input',
    });
  });

  it('answers NOT_FOUND for a missing product', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000001', 'nope']) {
      expect(firstError(await subgraph.call(UPDATE_PRODUCT, { id, input: { stock: 1 } }, seller)).code).toBe(
        'NOT_FOUND',
      );
    }
  });
});

describe('product queries', () => {
  it('product(id) finds one, or null with NOT_FOUND', async () => {
    const product = await createProduct(subgraph);
    const found = await subgraph.call<{ product: { sku: string } }>(
      `query ($id: ID!) { product(id: $id) { sku } }`,
      { id: product.id },
    );
    expect(found.data!.product.sku).toBe(product.sku);
    const missing = await subgraph.call(`{ product(id: "00000000-0000-4000-8000-000000000002") { sku } }`);
    expect(missing.data).toEqual({ product: null });
    expect(firstError(missing).code).toBe('NOT_FOUND');
  });

  it('products pages newest first with stable cursors', async () => {
    const all = await subgraph.db.product.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        data?: {
          products: {
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string };
          };
        } | null;
      } = await subgraph.call(
        `query ($after: String) { products(first: 3, after: $after) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`,
        { after },
      );
      expect(page.data!.products.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.data!.products.edges.map((edge) => edge.node.id));
      if (!page.data!.products.pageInfo.hasNextPage) break;
      after = page.data!.products.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((product) => product.id));
  });
});
