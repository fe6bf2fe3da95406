import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, post, secret, testConfig, tokenFor, writeSupergraph } from './helpers.js';

let fixture: Fixture;
let redis: TestRedis;
let gateway: RunningGateway;
let customer: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs(secret);
  gateway = await startGateway(
    testConfig({ REDIS_URL: redis.url, SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture)) }),
  );
  customer = { authorization: `Bearer ${await tokenFor('user-1', { scopes: ['customer'] })}` };
  admin = {
    authorization: `Bearer ${await tokenFor('admin-1', { scopes: ['customer', 'admin', 'catalog:write'] })}`,
  };
});

afterAll(async () => {
  await gateway?.stop();
  await fixture?.stop();
  await redis?.stop();
});

/** Errors without the development stack trace. */
const errorsOf = (answer: Awaited<ReturnType<typeof post>>) =>
  answer.body.errors?.map(({ extensions, ...error }) => {
    const { stacktrace: _stacktrace, ...rest } = extensions ?? {};
    return { ...error, extensions: rest };
  });

const createProduct = 'mutation Create($name: String!) { createProduct(name: $name) { id name } }';

describe('@requiresScopes', () => {
  it('refuses a customer createProduct with FORBIDDEN naming the scope, before any subgraph call', async () => {
    const before = { ...fixture.calls };
    const count = fixture.products.size;
    const answer = await post(gateway.url, { query: createProduct, variables: { name: 'Forged' } }, customer);
    expect(answer.body.data).toBeNull(); // createProduct is non-null: its parent, the whole data, is null
    expect(errorsOf(answer)).toEqual([
      {
        message: 'Mutation.createProduct needs scope "catalog:write"',
        locations: [{ line: 1, column: 35 }],
        path: ['createProduct'],
        extensions: { code: 'FORBIDDEN', requiredScopes: [['catalog:write']] },
      },
    ]);
    expect(fixture.calls).toEqual(before);
    expect(fixture.products.size).toBe(count);
  });

  it('refuses it for an anonymous viewer with UNAUTHORIZED, also under an alias in a fragment', async () => {
    const before = { ...fixture.calls };
    const answer = await post(gateway.url, {
      query:
        'mutation { ...Writes } fragment Writes on Mutation { harmless: createProduct(name: "x") { id } }',
    });
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
    expect(answer.body.errors?.[0]?.path).toEqual(['harmless']);
    expect(answer.body.errors?.[0]?.message).toBe(
      'Mutation.createProduct needs a signed-in viewer with scope "catalog:write"',
    );
    expect(fixture.calls).toEqual(before);
  });

  it('lets an admin token (scope catalog:write) create a product', async () => {
    const answer = await post(gateway.url, { query: createProduct, variables: { name: 'Chair' } }, admin);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ createProduct: { id: expect.any(String), name: 'Chair' } });
    expect(fixture.products.get((answer.body.data?.createProduct as { id: string }).id)?.name).toBe('Chair');
  });

  it('answers a scoped field for an admin and nulls it with FORBIDDEN for a customer, siblings intact', async () => {
    const query = '{ product(id: "p1") { name marginCents } }';
    expect((await post(gateway.url, { query }, admin)).body.data).toEqual({
      product: { name: 'Lamp', marginCents: 500 },
    });
    const answer = await post(gateway.url, { query }, customer);
    expect(answer.body.data).toEqual({ product: { name: 'Lamp', marginCents: null } });
    expect(answer.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['FORBIDDEN', ['product', 'marginCents']],
    ]);
  });
});

describe('@authenticated', () => {
  it('nulls the field for an anonymous viewer with UNAUTHORIZED while its siblings answer', async () => {
    const answer = await post(gateway.url, { query: '{ clock myNotes product(id: "p2") { name } }' });
    expect(answer.body.data).toEqual({ clock: expect.any(String), myNotes: null, product: { name: 'Desk' } });
    expect(errorsOf(answer)).toEqual([
      {
        message: 'Query.myNotes needs a signed-in viewer',
        locations: [{ line: 1, column: 9 }],
        path: ['myNotes'],
        extensions: { code: 'UNAUTHORIZED' },
      },
    ]);
    const signedIn = await post(gateway.url, { query: '{ myNotes }' }, customer);
    expect(signedIn.body).toMatchObject({ data: { myNotes: 'notes' } });
    expect(signedIn.body.errors).toBeUndefined();
  });

  it('finds the field hidden in a fragment, an inline fragment on a union, and under an alias, in every list item', async () => {
    const query = `
      query Hidden {
        products { id ...Contact }
        items { ... on Product { id mail: supplierEmail } ... on Viewer { id } }
      }
      fragment Contact on Product { supplierEmail }`;
    const answer = await post(gateway.url, { query });
    const ids = [...fixture.products.keys()];
    expect(answer.body.data).toEqual({
      products: ids.map((id) => ({ id, supplierEmail: null })),
      items: [{ id: 'p1', mail: null }, { id: 'v1' }],
    });
    expect(answer.body.errors?.map((error) => error.path)).toEqual([
      ...ids.map((_, index) => ['products', index, 'supplierEmail']),
      ['items', 0, 'mail'],
    ]);
    expect(new Set(answer.body.errors?.map((error) => error.extensions?.code))).toEqual(
      new Set(['UNAUTHORIZED']),
    );
    // Nothing leaked into the answer: the gateway never asked for it.
    expect(JSON.stringify(answer.body.data)).not.toContain('supplier@example.com');
    const signedIn = await post(gateway.url, { query }, customer);
    expect(signedIn.body.errors).toBeUndefined();
    expect(JSON.stringify(signedIn.body.data)).toContain('supplier@example.com');
  });

  it('denies an interface field when an implementation requires a viewer', async () => {
    const answer = await post(gateway.url, { query: '{ named { name secretName } }' });
    expect(answer.body.data).toEqual({
      named: [...fixture.products.values()].map(({ name }) => ({ name, secretName: null })),
    });
    expect(answer.body.errors?.[0]?.message).toBe('Named.secretName needs a signed-in viewer');
  });

  it('applies @authenticated on a type to the fields returning it', async () => {
    const answer = await post(gateway.url, { query: '{ clock vault { code } }' });
    expect(answer.body.data).toEqual({ clock: expect.any(String), vault: null });
    expect(answer.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['UNAUTHORIZED', ['vault']],
    ]);
    expect((await post(gateway.url, { query: '{ vault { code } }' }, customer)).body.data).toEqual({
      vault: { code: 'open sesame' },
    });
  });

  it('keeps a field under @policy closed, since no policy evaluator is configured', async () => {
    const answer = await post(gateway.url, { query: '{ audited }' }, admin);
    expect(answer.body.data).toEqual({ audited: null });
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(answer.body.errors?.[0]?.message).toBe('Query.audited needs policy "audit"');
  });

  it('makes the nearest nullable parent null when a denied field is non-null', async () => {
    const answer = await post(gateway.url, { query: '{ clock product(id: "p1") { name internalCode } }' });
    expect(answer.body.data).toEqual({ clock: expect.any(String), product: null });
    expect(answer.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['UNAUTHORIZED', ['product', 'internalCode']],
    ]);
  });

  it('never serves an anonymous viewer the cached answer of a signed-in one', async () => {
    const query = '{ product(id: "p2") { name supplierEmail } }';
    await post(gateway.url, { query }, customer);
    const cached = await post(gateway.url, { query }, customer);
    expect(cached.body.data).toEqual({ product: { name: 'Desk', supplierEmail: 'supplier@example.com' } });
    const anonymous = await post(gateway.url, { query });
    expect(anonymous.body.data).toEqual({ product: { name: 'Desk', supplierEmail: null } });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
  });

  it('decides per request, not per cached document: the same query answers differently by viewer', async () => {
    const query = '{ myNotes }';
    for (let round = 0; round < 2; round += 1) {
      expect((await post(gateway.url, { query })).body.data).toEqual({ myNotes: null });
      expect((await post(gateway.url, { query }, customer)).body.data).toEqual({ myNotes: 'notes' });
    }
  });
});
