import { randomUUID } from 'node:crypto';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationError } from '../src/config.js';
import { allowUnsignedFlag, gatewayTrust, subgraphConfigSchema } from '../src/gateway-trust.js';
import { createLogger } from '../src/logger.js';
import { startSubgraph, type RequestContext, type RunningSubgraph } from '../src/server.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../src/signing-keys.js';
import { testSecrets, testSubgraphEnv } from '../src/testing.js';
import { signGatewayCall, type GatewayCall } from '../src/viewer.js';

/**
 * Real subgraph servers (node:http, subgraph-kit's own request handling) fed calls signed like the
 * gateway signs them, then tampered with the way an attacker who captured one would.
 */
const typeDefs = parse(`
  type Viewer { id: ID, scopes: [String!]! }
  type Query { viewer: Viewer!, echo(text: String!): String! }
`);
const resolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, context: RequestContext) => ({
      id: context.viewer.userId,
      scopes: context.viewer.scopes,
    }),
    echo: (_: unknown, { text }: { text: string }) => text,
  },
};

function config(env: Record<string, string | undefined>) {
  return subgraphConfigSchema.parse({ NODE_ENV: 'test', ...env });
}

async function start(name: string, env: Record<string, string>, allowUnsigned = false) {
  return startSubgraph({
    name,
    typeDefs,
    resolvers,
    port: 0,
    trust: gatewayTrust(name, config(env), allowUnsigned),
    context: (base) => base,
    ready: async () => undefined,
    close: async () => undefined,
    log: createLogger(name, 'silent'),
  });
}

const privateKey = () => parsePrivateKey(testSecrets().GATEWAY_SIGNING_PRIVATE_KEY);
const VIEWER_QUERY = JSON.stringify({ query: '{ viewer { id scopes } }' });

function signed(overrides: Partial<GatewayCall> = {}, now = Date.now()) {
  const call: GatewayCall = {
    subgraph: 'alpha',
    body: VIEWER_QUERY,
    viewerId: 'user-1',
    scopes: ['customer'],
    requestId: randomUUID(),
    ...overrides,
  };
  return signGatewayCall(privateKey(), call, now);
}

async function post(subgraph: RunningSubgraph, headers: Record<string, string>, body = VIEWER_QUERY) {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
}

let alpha: RunningSubgraph;
let beta: RunningSubgraph;
beforeAll(async () => {
  alpha = await start('alpha', testSubgraphEnv());
  beta = await start('beta', testSubgraphEnv());
});
afterAll(async () => {
  await alpha?.stop();
  await beta?.stop();
});

describe('signed subgraph calls', () => {
  it('serves a genuine call with its viewer and scopes', async () => {
    const answer = await post(alpha, signed({ scopes: ['customer', 'admin', 'catalog:write'] }));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({
      viewer: { id: 'user-1', scopes: ['customer', 'admin', 'catalog:write'] },
    });
    const anonymous = await post(alpha, signed({ viewerId: null, scopes: [] }));
    expect(anonymous.body.data).toEqual({ viewer: { id: null, scopes: [] } });
  });

  it('refuses a captured signature replayed with another body', async () => {
    const headers = signed();
    const answer = await post(alpha, headers, JSON.stringify({ query: '{ echo(text: "other") }' }));
    expect(answer.status).toBe(401);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.body.errors?.[0]?.message).toMatch(/does not match this call to alpha/);
    // A single byte more (whitespace the JSON parser would not mind) is another body too.
    expect((await post(alpha, headers, `${VIEWER_QUERY} `)).status).toBe(401);
  });

  it('refuses a signature made for another subgraph (re-targeted)', async () => {
    const forBeta = signed({ subgraph: 'beta' });
    expect((await post(beta, forBeta)).status).toBe(200);
    const retargeted = await post(alpha, forBeta);
    expect(retargeted.status).toBe(401);
    expect(retargeted.body.errors?.[0]?.message).toMatch(/does not match this call to alpha/);
  });

  it('refuses an expired, a future and a malformed timestamp', async () => {
    const expired = await post(alpha, signed({}, Date.now() - 31_000));
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0]?.message).toBe('gateway signature expired (window 30 s)');
    const future = await post(alpha, signed({}, Date.now() + 31_000));
    expect(future.status).toBe(401);
    expect(future.body.errors?.[0]?.message).toBe('gateway signature is dated in the future');

    const genuine = signed();
    const signature = genuine['x-aetherial-gateway-signature']!.split('.')[1];
    for (const timestamp of ['soon', 'NaN', '1e99', '-1', '', `${Date.now()}.5`, '0x1f', '99999999999999']) {
      const answer = await post(alpha, {
        ...genuine,
        'x-aetherial-gateway-signature': `${timestamp}.${signature}`,
      });
      expect(answer.status, timestamp).toBe(401);
      expect(answer.body.errors?.[0]?.message, timestamp).toMatch(/^malformed x-aetherial-gateway-signature/);
    }
    // A real timestamp that is not the signed one.
    const shifted = await post(alpha, {
      ...genuine,
      'x-aetherial-gateway-signature': `${Date.now() + 1}.${signature}`,
    });
    expect(shifted.status).toBe(401);
  });

  it('refuses a forged viewer, added scopes, another request id and a missing signature', async () => {
    const genuine = signed();
    for (const [header, value] of [
      ['x-aetherial-viewer', 'admin'],
      ['x-aetherial-viewer', ''],
      ['x-aetherial-scopes', 'customer admin catalog:write'],
      ['x-aetherial-scopes', ''],
      ['x-request-id', 'another-request'],
    ] as const) {
      const answer = await post(alpha, { ...genuine, [header]: value });
      expect(answer.status, `${header}: ${value}`).toBe(401);
    }
    const { 'x-aetherial-gateway-signature': _dropped, ...unsigned } = genuine;
    const missing = await post(alpha, unsigned);
    expect(missing.status).toBe(401);
    expect(missing.body.errors?.[0]?.message).toMatch(/only the gateway may call this subgraph/);
  });

  it('refuses a call signed with another private key (a subgraph cannot mint one)', async () => {
    const other = parsePrivateKey(generateSigningKeys().privateKey);
    const headers = signGatewayCall(other, {
      subgraph: 'alpha',
      body: VIEWER_QUERY,
      viewerId: 'admin',
      scopes: ['admin'],
      requestId: 'r',
    });
    expect((await post(alpha, headers)).status).toBe(401);
  });

  it('accepts either key while one is rotated (comma-separated public keys)', async () => {
    const next = generateSigningKeys();
    const rotating = await start('alpha', {
      GATEWAY_SIGNING_PUBLIC_KEY: `${testSecrets().GATEWAY_SIGNING_PUBLIC_KEY},${next.publicKey}`,
    });
    try {
      expect((await post(rotating, signed())).status).toBe(200);
      const withNext = signGatewayCall(parsePrivateKey(next.privateKey), {
        subgraph: 'alpha',
        body: VIEWER_QUERY,
        viewerId: 'user-2',
        scopes: [],
        requestId: 'r',
      });
      expect((await post(rotating, withNext)).body.data).toEqual({ viewer: { id: 'user-2', scopes: [] } });
    } finally {
      await rotating.stop();
    }
  });

  it('with ALLOW_UNSIGNED serves unsigned calls as anonymous but still refuses a bad signature', async () => {
    const open = await start('alpha', {}, true);
    try {
      expect((await post(open, {})).body.data).toEqual({ viewer: { id: null, scopes: [] } });
      expect((await post(open, { 'x-aetherial-viewer': 'admin' })).body.data).toEqual({
        viewer: { id: null, scopes: [] },
      });
      expect((await post(open, signed())).status).toBe(401); // no key to check it with: not trusted
    } finally {
      await open.stop();
    }
  });
});

describe('gateway trust settings', () => {
  it('needs the public key unless unsigned calls are allowed, naming the variable', () => {
    expect(() => gatewayTrust('alpha', config({}), false)).toThrow(
      /invalid configuration:\n {2}GATEWAY_SIGNING_PUBLIC_KEY: required/,
    );
    expect(gatewayTrust('alpha', config({}), true).publicKeys).toEqual([]);
  });

  it('refuses ALLOW_UNSIGNED in production, by the subgraph’s own variable name', () => {
    expect(() =>
      gatewayTrust('social', config({ NODE_ENV: 'production', ...testSubgraphEnv() }), true),
    ).toThrow(configurationError({ SOCIAL_ALLOW_UNSIGNED: 'never accept unsigned requests in production' }));
  });

  it('accepts only true or false for ALLOW_UNSIGNED', () => {
    expect(allowUnsignedFlag.parse(undefined)).toBe(false);
    expect(allowUnsignedFlag.parse('true')).toBe(true);
    for (const value of ['1', 'yes', 'TRUE', 'on'])
      expect(allowUnsignedFlag.safeParse(value).success).toBe(false);
  });

  it('refuses a private key or garbage where the public key belongs', () => {
    const { privateKey } = generateSigningKeys();
    expect(() => gatewayTrust('alpha', config({ GATEWAY_SIGNING_PUBLIC_KEY: privateKey }), false)).toThrow(
      /GATEWAY_SIGNING_PUBLIC_KEY: not a public key/,
    );
    const pem = parsePrivateKey(privateKey).export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parsePublicKey(pem)).toThrow(/give the public key, not the private one/);
    expect(() => parsePublicKey('bm90IGEga2V5')).toThrow(/not a public key/);
  });

  it('reads keys as PEM, one-line PEM with \\n, or base64 DER', () => {
    const { privateKey, publicKey } = generateSigningKeys();
    const pem = parsePublicKey(publicKey).export({ format: 'pem', type: 'spki' }).toString();
    for (const form of [publicKey, pem, pem.replace(/\n/g, '\\n'), Buffer.from(pem).toString('base64')]) {
      expect(parsePublicKey(form).asymmetricKeyType).toBe('ed25519');
    }
    expect(parsePrivateKey(privateKey).asymmetricKeyType).toBe('ed25519');
  });
});
