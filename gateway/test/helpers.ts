import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { compose } from '../src/compose/compose.js';
import { gatewayConfigSchema, type GatewayConfig } from '../src/config.js';
import { testSecrets } from '@aetherial/subgraph-kit';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/auth.js';
import { catalogSdl, reviewsSdl, type Fixture } from './fixtures/subgraphs.js';

/** This test process's random secrets (the fixture subgraphs trust its gateway's key). */
export const jwtSecret = testSecrets().JWT_SECRET;

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
    JWT_SECRET: jwtSecret,
    GATEWAY_SIGNING_PRIVATE_KEY: testSecrets().GATEWAY_SIGNING_PRIVATE_KEY,
    GATEWAY_SUBGRAPH_TIMEOUT_MS: '1000',
    ...overrides,
  });
}

export interface TokenOptions {
  /** Default `customer`, what core gives a customer. */
  scopes?: string[];
  audience?: string;
  issuer?: string;
  /** A jose time span; null leaves `exp` out. */
  expiresIn?: string | null;
}

/** A token as core issues them (HS256 with the test JWT secret), or with one claim changed. */
export function tokenFor(userId: string, options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ scope: (options.scopes ?? ['customer']).join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(options.issuer ?? TOKEN_ISSUER)
    .setAudience(options.audience ?? TOKEN_AUDIENCE)
    .setIssuedAt();
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '1h');
  return jwt.sign(new TextEncoder().encode(jwtSecret));
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
