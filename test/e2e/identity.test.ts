/**
 * Identity, secrets and signed calls through the real graph: the gateway and subgraph processes the
 * global setup started, their real stores, and processes started here without their secrets.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  GRAPH_SECRET_NAMES,
  parsePrivateKey,
  signGatewayCall,
  type GatewayCall,
} from '@aetherial/subgraph-kit';
import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { graphEnv } from '../graph/namespace.js';
import { gql } from './client.js';
import { e2e, gatewayUrl, subgraphUrl } from './namespace.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

const CREATE_PRODUCT = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id priceCents } }`;
const UPDATE_PRICE = `mutation Price($id: ID!, $cents: Int!) { updateProduct(id: $id, input: { priceCents: $cents }) { id priceCents } }`;
const PRODUCT = `query Product($id: ID!) { product(id: $id) { priceCents } }`;

async function signUp(prefix: string) {
  const handle = `${prefix}_${randomUUID().slice(0, 8)}`;
  const answer = await gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
    {
      input: {
        handle,
        displayName: prefix,
        email: `${handle}@example.com`,
        password: 'correct horse battery',
      },
    },
  );
  expect(answer.errors).toBeUndefined();
  return { handle, token: answer.data!.signUp.token, id: answer.data!.signUp.user.id };
}

const logIn = async (handle: string) =>
  (
    await gql<{ logIn: { token: string } }>(
      `mutation LogIn($login: String!) { logIn(input: { login: $login, password: "correct horse battery" }) { token } }`,
      { login: handle },
    )
  ).data!.logIn.token;

const newProduct = () => ({
  sku: `E2E-${randomUUID().slice(0, 8)}`,
  title: 'Lamp',
  priceCents: 4900,
  stock: 3,
});

describe('roles and scopes through the gateway', () => {
  it('a customer cannot write the catalogue (the error names the missing scope); an admin can', async () => {
    const customer = await signUp('shopper');
    expect(decodeJwt(customer.token)).toMatchObject({ scope: 'customer', aud: 'aetherial-graph' });

    const created = await gql(CREATE_PRODUCT, { input: newProduct() }, customer.token);
    expect(created.data).toBeNull();
    expect(created.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(created.errors?.[0]?.message).toMatch(/catalog:write/);

    // The admin: made by the command, as a real process, never by sign-up.
    const admin = await signUp('manager');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'subgraphs/core/src/admin.ts', '--handle', admin.handle],
      { cwd: repoRoot, env: { ...process.env, ...graphEnv(e2e) } },
    );
    expect(stdout).toContain(`${admin.handle}: customer -> admin`);
    const adminToken = await logIn(admin.handle);
    expect(decodeJwt(adminToken).scope).toBe('customer admin catalog:write orders:write');
    const product = await gql<{ createProduct: { id: string; priceCents: number } }>(
      CREATE_PRODUCT,
      { input: newProduct() },
      adminToken,
    );
    expect(product.errors).toBeUndefined();
    const id = product.data!.createProduct.id;

    // The attack from the issue: a fresh sign-up reprices a product to one cent.
    const repriced = await gql(UPDATE_PRICE, { id, cents: 1 }, customer.token);
    expect(repriced.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(repriced.errors?.[0]?.message).toMatch(/catalog:write/);
    expect((await gql<{ product: { priceCents: number } }>(PRODUCT, { id })).data?.product.priceCents).toBe(
      4900,
    );
    const byAdmin = await gql<{ updateProduct: { priceCents: number } }>(
      UPDATE_PRICE,
      { id, cents: 3900 },
      adminToken,
    );
    expect(byAdmin.data?.updateProduct.priceCents).toBe(3900);
  });

  it('sign-up does not tell a taken email from a taken handle', async () => {
    const existing = await signUp('taken');
    const attempt = (handle: string, email: string) =>
      gql(`mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }`, {
        input: { handle, displayName: 'X', email, password: 'correct horse battery' },
      });
    const byEmail = await attempt(`fresh_${randomUUID().slice(0, 8)}`, `${existing.handle}@example.com`);
    const byHandle = await attempt(existing.handle, `fresh_${randomUUID().slice(0, 8)}@example.com`);
    expect(byEmail.errors?.[0]).toEqual(byHandle.errors?.[0]);
    expect(byEmail.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});

describe('tokens at the gateway', () => {
  const forge = (claims: { exp?: boolean; aud?: string }) => {
    const jwt = new SignJWT({ scope: 'customer admin catalog:write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(randomUUID())
      .setIssuer('aetherial-core')
      .setAudience(claims.aud ?? 'aetherial-graph')
      .setIssuedAt();
    if (claims.exp !== false) jwt.setExpirationTime('5m');
    return jwt.sign(new TextEncoder().encode(e2e.secrets.JWT_SECRET));
  };

  it('refuses a token without exp and one for another audience, even signed with the real secret', async () => {
    for (const [what, token, reason] of [
      ['no exp', await forge({ exp: false }), /"exp"/],
      ['other audience', await forge({ aud: 'another-api' }), /"aud"/],
    ] as const) {
      const answer = await gql('{ me { id } }', {}, token);
      expect(answer.status, what).toBe(401);
      expect(answer.errors?.[0]?.extensions?.code, what).toBe('UNAUTHENTICATED');
      expect(answer.errors?.[0]?.message, what).toMatch(reason);
    }
    expect((await gql('{ me { id } }', {}, await forge({}))).status).toBe(200); // the control
  });
});

describe('signed subgraph calls to the real subgraph processes', () => {
  const key = parsePrivateKey(e2e.secrets.GATEWAY_SIGNING_PRIVATE_KEY);
  // Valid in every subgraph, so a refusal can only come from the signature.
  const body = JSON.stringify({ query: '{ __typename }' });
  const call = (subgraph: 'core' | 'content', headers: Record<string, string>, sent = body) =>
    fetch(subgraphUrl(subgraph), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: sent,
    });
  const signed = (overrides: Partial<GatewayCall> = {}, now = Date.now()) =>
    signGatewayCall(
      key,
      { subgraph: 'core', body, viewerId: null, scopes: [], requestId: randomUUID(), ...overrides },
      now,
    );

  it('serves a call signed for it and refuses one replayed with another body or against another subgraph', async () => {
    expect((await call('core', signed())).status).toBe(200);
    const captured = signed();
    const otherBody = JSON.stringify({
      query: `mutation { createProduct(input: ${'{'} sku: "X-1", title: "x", priceCents: 1 }) { id } }`,
    });
    expect((await call('core', captured, otherBody)).status).toBe(401);
    expect((await call('content', captured)).status).toBe(401);
    expect((await call('content', signed({ subgraph: 'content' }))).status).toBe(200);
  });

  it('refuses an expired and a malformed timestamp, and a forged viewer or scopes', async () => {
    const expired = await call('core', signed({}, Date.now() - 60_000));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(
      /expired/,
    );
    const genuine = signed({ viewerId: randomUUID(), scopes: ['customer'] });
    const signature = genuine['x-aetherial-gateway-signature']!.split('.')[1];
    const malformed = await call('core', { ...genuine, 'x-aetherial-gateway-signature': `now.${signature}` });
    expect(malformed.status).toBe(401);
    expect(
      (await call('core', { ...genuine, 'x-aetherial-scopes': 'customer admin catalog:write' })).status,
    ).toBe(401);
    expect((await call('core', { ...genuine, 'x-aetherial-viewer': randomUUID() })).status).toBe(401);
  });

  it('the gateway itself is answered: its own signatures hold (control)', async () => {
    expect(
      (
        await fetch(gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id } } } }' }),
        })
      ).status,
    ).toBe(200);
  });
});

describe('processes without their secrets', () => {
  /** The real entry point, with the namespace's stores but none of the graph's secrets. */
  async function start(entry: string) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...graphEnv(e2e) };
    for (const name of GRAPH_SECRET_NAMES) delete env[name];
    const port = String(await freePort());
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: repoRoot,
      env: {
        ...env,
        CORE_PORT: port,
        CONTENT_PORT: port,
        SOCIAL_PORT: port,
        SEARCH_PORT: port,
        SEMANTIC_PORT: port,
        GATEWAY_PORT: port,
        GATEWAY_WORKERS: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, stderr };
  }

  it(
    'every subgraph and the gateway refuse to start, naming the missing variable',
    { timeout: 120_000 },
    async () => {
      const entries = {
        core: 'subgraphs/core/src/index.ts',
        content: 'subgraphs/content/src/index.ts',
        social: 'subgraphs/social/src/index.ts',
        search: 'subgraphs/search/src/index.ts',
        semantic: 'subgraphs/semantic/src/index.ts',
        gateway: 'gateway/src/index.ts',
      };
      const results = await Promise.all(Object.values(entries).map((entry) => start(entry)));
      Object.keys(entries).forEach((name, index) => {
        const { code, stderr } = results[index]!;
        expect(code, name).toBe(1);
        expect(stderr, name).toMatch(
          name === 'gateway'
            ? /GATEWAY_SIGNING_PRIVATE_KEY: required/
            : /GATEWAY_SIGNING_PUBLIC_KEY: required/,
        );
      });
    },
  );
});
