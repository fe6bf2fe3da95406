import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { gql } from './client.js';
import { e2e, gatewayUrl } from './namespace.js';

/** Tokens as core issues them (issuer aetherial-core, audience aetherial-graph, `scope` space-separated), signed with the graph's secret. */
const mint = (userId: string, scope: string) =>
  new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer('aetherial-core')
    .setAudience('aetherial-graph')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(e2e.jwtSecret));

let viewerId: string;
let customer: string;
let admin: string;

beforeAll(async () => {
  const handle = `sec_${randomUUID().slice(0, 8)}`;
  const signUp = await gql<{ signUp: { user: { id: string } } }>(
    `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { user { id } } }`,
    {
      input: {
        handle,
        displayName: 'Sec',
        email: `${handle}@example.com`,
        password: 'correct horse battery',
      },
    },
  );
  expect(signUp.errors).toBeUndefined();
  viewerId = signUp.data!.signUp.user.id;
  customer = await mint(viewerId, 'customer');
  admin = await mint(viewerId, 'customer admin catalog:write');
});

const createProduct = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id sku } }`;
const productInput = () => ({
  sku: `SEC-${randomUUID().slice(0, 8)}`,
  title: 'Guarded lamp',
  priceCents: 1999,
});

describe('authorization at the gateway', () => {
  it('refuses catalogue writes to a customer with FORBIDDEN naming the scope; an admin token writes', async () => {
    const input = productInput();
    const refused = await gql(createProduct, { input }, customer);
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toBe('Mutation.createProduct needs scope "catalog:write"');
    const update = await gql(
      `mutation { updateProduct(id: "anything", input: { priceCents: 1 }) { id } }`,
      {},
      customer,
    );
    expect(update.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const written = await gql<{ createProduct: { sku: string } }>(createProduct, { input }, admin);
    expect(written.errors).toBeUndefined();
    expect(written.data?.createProduct.sku).toBe(input.sku);
  });

  it('answers an @authenticated field with null and UNAUTHORIZED for an anonymous viewer, siblings intact', async () => {
    const answer = await gql<{ me: null; products: { edges: unknown[] } }>(
      `{ me { id } products(first: 2) { edges { node { id } } } }`,
    );
    expect(answer.data?.me).toBeNull();
    expect(answer.data?.products.edges.length).toBeGreaterThan(0);
    expect(answer.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['UNAUTHORIZED', ['me']],
    ]);
    const signedIn = await gql<{ me: { id: string } }>(`{ me { id } }`, {}, customer);
    expect(signedIn.data?.me.id).toBe(viewerId);
  });

  it('finds it hidden under an alias in a fragment', async () => {
    const answer = await gql(`query { ...Who } fragment Who on Query { whoami: me { handle } }`);
    expect(answer.data).toEqual({ whoami: null });
    expect(answer.errors?.[0]?.path).toEqual(['whoami']);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
  });

  it('refuses a write that needs a viewer before any subgraph sees it', async () => {
    const answer = await gql(`mutation { createPost(input: { title: "Hello", body: "x" }) { id } }`);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
  });
});

describe('demand control', () => {
  it('refuses a nested query whose cost comes from the schema defaults (20 × 20 × 20)', async () => {
    const answer = await gql(
      `{ posts { edges { node { author { posts { edges { node { comments { edges { node { id } } } } } } } } } } }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });

  it('refuses a fragment fan-out 30 levels deep', async () => {
    const fragments = Array.from(
      { length: 30 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    const answer = await gql(
      `query { ...F0 }\n${fragments.join('\n')}\nfragment F30 on Query { __typename }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });

  it('reports the estimated cost of what it runs', async () => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ semanticSearch(text: "lamps", first: 3) { score } }' }),
    });
    const body = (await response.json()) as { extensions?: { cost?: { estimated?: number } } };
    expect(body.extensions?.cost?.estimated).toBe(20 + 3 * 1); // @cost(weight: 20) + 3 hits × score
  });
});

describe('auth mutations', () => {
  it('refuses aliased logIn attempts in one operation', async () => {
    const tries = Array.from(
      { length: 30 },
      (_, i) => `t${i}: logIn(input: { login: "x", password: "p${i}" }) { token }`,
    );
    const answer = await gql(`mutation { ${tries.join(' ')} }`);
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions?.code).toBe('TOO_MANY_AUTH_ATTEMPTS');
  });
});
