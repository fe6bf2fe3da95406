import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { compose } from '../src/compose/compose.js';
import { gatewayConfigSchema, type GatewayConfig } from '../src/config.js';
import { TOKEN_ISSUER } from '../src/auth.js';
import { catalogSdl, reviewsSdl, type Fixture } from './fixtures/subgraphs.js';

export const secret = 'gateway-test-shared-secret';
export const jwtSecret = 'gateway-test-jwt-secret-0123456789';

export function composeFixture(fixture: Fixture, extraCatalogSdl = ''): string {
  const outcome = compose([
    {
      name: 'catalog',
      url: fixture.catalog.url,
      schemaFile: 'catalog.graphql',
      sdl: catalogSdl + extraCatalogSdl,
    },
    { name: 'reviews', url: fixture.reviews.url, schemaFile: 'reviews.graphql', sdl: reviewsSdl },
  ]);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.supergraphSdl;
}

export function writeSupergraph(
  sdl: string,
  path = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql'),
): string {
  writeFileSync(path, sdl);
  return path;
}

export function testConfig(overrides: Record<string, string>): GatewayConfig {
  return gatewayConfigSchema.parse({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    GATEWAY_PORT: '0',
    GATEWAY_SHARED_SECRET: secret,
    JWT_SECRET: jwtSecret,
    GATEWAY_SUBGRAPH_TIMEOUT_MS: '1000',
    ...overrides,
  });
}

export interface TokenOptions {
  /** The `scope` claim, space-separated in the token: a customer has "customer"; an admin "customer admin catalog:write". */
  scopes?: string[];
}

/** A token as core issues it (issuer aetherial-core, audience aetherial-graph, `scope` claim). */
export function tokenFor(userId: string, options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ scope: (options.scopes ?? ['customer']).join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience('aetherial-graph')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(jwtSecret));
}

export interface Answer {
  status: number;
  cache: string | null;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    body: (await response.json()) as Answer['body'],
  };
}

export async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
