import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GRAPH_SECRET_NAMES } from '@aetherial/subgraph-kit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES_BY_ROLE } from '../src/roles.js';
import {
  CREATE_PRODUCT,
  createProduct,
  firstError,
  signUpUser,
  startTestSubgraph,
  TEST_DATABASE_URL,
  type TestSubgraph,
} from './helpers.js';

const run = promisify(execFile);
const coreDir = fileURLToPath(new URL('..', import.meta.url));

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph();
});
afterAll(async () => {
  await subgraph?.stop();
});

const UPDATE_PRICE = /* GraphQL */ `
  mutation ($id: ID!, $priceCents: Int!) {
    updateProduct(id: $id, input: { priceCents: $priceCents }) {
      priceCents
    }
  }
`;
const LOG_IN = /* GraphQL */ `
  mutation ($login: String!) {
    logIn(input: { login: $login, password: "correct horse battery" }) {
      token
    }
  }
`;

/** `npm run admin -w @aetherial/core -- ...args` against the test database, as a real process. */
function adminCommand(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, CORE_DATABASE_URL: TEST_DATABASE_URL };
  for (const name of GRAPH_SECRET_NAMES) delete env[name];
  return run(process.execPath, ['--import', 'tsx', 'src/admin.ts', ...args], { cwd: coreDir, env });
}

const newProduct = () => ({ sku: `ROLE-${Math.floor(Math.random() * 1e9)}`, title: 'x', priceCents: 100 });

describe('catalogue writes need the admin role (core checks it too, behind the gateway)', () => {
  it('refuses a customer: FORBIDDEN naming the missing scope, nothing written', async () => {
    const customer = await signUpUser(subgraph, 'customer');
    const product = await createProduct(subgraph, { priceCents: 5000 });
    const [products, events] = [await subgraph.db.product.count(), await subgraph.db.outboxEvent.count()];

    const created = await subgraph.call(CREATE_PRODUCT, { input: newProduct() }, customer.id);
    expect(created.data).toBeNull();
    expect(firstError(created)).toMatchObject({
      code: 'FORBIDDEN',
      message: 'createProduct needs the scope catalog:write (the admin role)',
    });
    expect(created.errors?.[0]?.extensions?.requiredScopes).toEqual(['catalog:write']);

    // The attack from the issue: a fresh sign-up sets a price of one cent.
    const updated = await subgraph.call(UPDATE_PRICE, { id: product.id, priceCents: 1 }, customer.id);
    expect(firstError(updated)).toMatchObject({
      code: 'FORBIDDEN',
      message: 'updateProduct needs the scope catalog:write (the admin role)',
    });
    expect((await subgraph.db.product.findUniqueOrThrow({ where: { id: product.id } })).priceCents).toBe(
      5000,
    );
    expect(await subgraph.db.product.count()).toBe(products);
    expect(await subgraph.db.outboxEvent.count()).toBe(events);
  });

  it('refuses a customer account even when the call claims the scope (role read from the database)', async () => {
    const customer = await signUpUser(subgraph, 'claims');
    const result = await subgraph.call(
      CREATE_PRODUCT,
      { input: newProduct() },
      { userId: customer.id, scopes: SCOPES_BY_ROLE.admin },
    );
    expect(firstError(result).code).toBe('FORBIDDEN');
  });

  it('refuses an admin whose token does not grant catalog:write (issued before the promotion)', async () => {
    const admin = await subgraph.admin();
    const result = await subgraph.call(
      CREATE_PRODUCT,
      { input: newProduct() },
      { userId: admin.userId, scopes: ['customer'] },
    );
    expect(firstError(result)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lets an admin create and update products', async () => {
    const admin = await subgraph.admin();
    const created = await subgraph.call<{ createProduct: { id: string } }>(
      CREATE_PRODUCT,
      { input: newProduct() },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const updated = await subgraph.call<{ updateProduct: { priceCents: number } }>(
      UPDATE_PRICE,
      { id: created.data!.createProduct.id, priceCents: 4200 },
      admin,
    );
    expect(updated.data).toEqual({ updateProduct: { priceCents: 4200 } });
  });

  it('anonymous: UNAUTHENTICATED', async () => {
    expect(firstError(await subgraph.call(CREATE_PRODUCT, { input: newProduct() })).code).toBe(
      'UNAUTHENTICATED',
    );
  });
});

// Each command is a process of its own (tsx compiles it): slow on a busy machine, hence the timeouts.
describe('npm run admin', { timeout: 120_000 }, () => {
  it('grants the role to an existing account, whose next sign-in carries the admin scopes; --revoke takes it back', async () => {
    const user = await signUpUser(subgraph, 'promoted');
    const before = await subgraph.call<{ logIn: { token: string } }>(LOG_IN, { login: user.handle });
    expect(decodeJwt(before.data!.logIn.token).scope).toBe('customer');

    // A real process, without the serving secrets: the command needs only the database.
    const granted = await adminCommand('--handle', user.handle.toUpperCase());
    expect(granted.stdout).toContain(`${user.handle}: customer -> admin`);
    expect((await subgraph.db.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('admin');
    expect((await adminCommand('--list')).stdout.split('\n')).toContain(user.handle);

    const after = await subgraph.call<{ logIn: { token: string } }>(LOG_IN, { login: user.handle });
    const token = decodeJwt(after.data!.logIn.token);
    expect(token.scope).toBe('customer admin catalog:write orders:write');
    const viewer = { userId: user.id, scopes: String(token.scope).split(' ') };
    expect((await subgraph.call(CREATE_PRODUCT, { input: newProduct() }, viewer)).errors).toBeUndefined();

    // Revoked: core refuses at once, even with the admin token still in hand.
    await adminCommand('--handle', user.handle, '--revoke');
    expect(firstError(await subgraph.call(CREATE_PRODUCT, { input: newProduct() }, viewer)).code).toBe(
      'FORBIDDEN',
    );
  });

  it('fails for an unknown handle and changes nothing', async () => {
    const admins = await subgraph.db.user.count({ where: { role: 'admin' } });
    await expect(adminCommand('--handle', 'nobody_at_all')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no user with handle "nobody_at_all"'),
    });
    expect(await subgraph.db.user.count({ where: { role: 'admin' } })).toBe(admins);
  });
});
