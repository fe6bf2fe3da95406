import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../src/config.js';
import { explorerContentSecurityPolicy } from '../src/explorer/content-security-policy.js';
import { explorerModeOf } from '../src/explorer/mode.js';
import { explorerPage } from '../src/explorer/page.js';
import { readManifest } from '../src/explorer/assets.js';
import { STUDIO_ORIGIN } from '../src/explorer/studio-cors.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { PAGE_CONFIG_ELEMENT_ID, type PageConfig } from '../src/explorer/page-config.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, post, testConfig, writeSupergraph } from './helpers.js';

/**
 * The explorer's server side over real HTTP: the page and its files, the policy they carry, the
 * GATEWAY_EXPLORER modes and Apollo Studio's CORS. The page itself runs in a real browser in
 * test/e2e/explorer.test.ts. Needs `npm run explorer:build` (turbo runs it before `test`).
 */
let fixture: Fixture;
let redis: TestRedis;
let supergraphPath: string;
const gateways: Record<'graphiql' | 'sandbox' | 'off' | 'production', RunningGateway | undefined> = {
  graphiql: undefined,
  sandbox: undefined,
  off: undefined,
  production: undefined,
};
const origin = (gateway: RunningGateway | undefined) => new URL(gateway!.url).origin;
const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

beforeAll(async () => {
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs();
  supergraphPath = writeSupergraph(composeFixture(fixture));
  const base = { REDIS_URL: redis.url, SUPERGRAPH_PATH: supergraphPath, GATEWAY_CACHE: 'false' };
  gateways.graphiql = await startGateway(testConfig(base));
  gateways.sandbox = await startGateway(testConfig({ ...base, GATEWAY_EXPLORER: 'sandbox' }));
  gateways.off = await startGateway(testConfig({ ...base, GATEWAY_EXPLORER: 'off' }));
  gateways.production = await startGateway(testConfig({ ...base, NODE_ENV: 'production' }));
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway?.stop();
  await fixture?.stop();
  await redis?.stop();
});

/** The src/href URLs of a page and its settings block. */
function pageParts(body: string): { urls: string[]; config: PageConfig } {
  const urls = [...body.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
  const json = new RegExp(
    `<script type="application/json" id="${PAGE_CONFIG_ELEMENT_ID}">([^<]*)</script>`,
  ).exec(body);
  return { urls, config: JSON.parse(json![1]!) as PageConfig };
}

describe('GATEWAY_EXPLORER', () => {
  it('is graphiql by default in development and test, off by default in production', () => {
    expect(explorerModeOf({ NODE_ENV: 'development', GATEWAY_EXPLORER: undefined })).toBe('graphiql');
    expect(explorerModeOf({ NODE_ENV: 'test', GATEWAY_EXPLORER: undefined })).toBe('graphiql');
    expect(explorerModeOf({ NODE_ENV: 'production', GATEWAY_EXPLORER: undefined })).toBe('off');
    expect(explorerModeOf({ NODE_ENV: 'production', GATEWAY_EXPLORER: 'graphiql' })).toBe('graphiql');
  });

  it('refuses a value that is not a mode', () => {
    expect(() => gatewayConfigSchema.parse({ GATEWAY_EXPLORER: 'playground' })).toThrow(
      /GATEWAY_EXPLORER|graphiql/,
    );
  });
});

describe('graphiql: the page', () => {
  it('is served to a browser on /graphql with a policy that allows only this origin', async () => {
    const response = await fetch(gateways.graphiql!.url, { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy');
    expect(policy).toBe(explorerContentSecurityPolicy);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).toContain("worker-src 'self';");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/https?:|\*|blob:|'unsafe-eval'/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');

    const { urls, config } = pageParts(await response.text());
    expect(urls.length).toBeGreaterThanOrEqual(3); // icon, style sheet, script
    for (const url of urls) expect(url).toMatch(/^(\/explorer\/assets\/[\w.-]+|data:,)$/);
    expect(config.endpointPath).toBe('/graphql');
    expect(Object.values(config.workerUrls)).toHaveLength(3);
  });

  it('serves every file the page and its workers name, compressed when asked, cacheable for good', async () => {
    const { urls, config } = pageParts(await (await fetch(gateways.graphiql!.url, { headers: html })).text());
    const assets = [
      ...urls.filter((url) => url.startsWith('/explorer/')),
      ...Object.values(config.workerUrls),
    ];
    for (const path of assets) {
      const plain = await fetch(origin(gateways.graphiql) + path, {
        headers: { 'accept-encoding': 'identity' },
      });
      expect(plain.status, path).toBe(200);
      expect(plain.headers.get('content-type'), path).toMatch(/^text\/(javascript|css); charset=utf-8$/);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('content-security-policy')).toBe(explorerContentSecurityPolicy);
      const body = Buffer.from(await plain.arrayBuffer());
      expect(body.length).toBeGreaterThan(1000);
      expect(body.toString('utf8')).not.toMatch(/https?:\/\/(cdn|unpkg|esm\.sh|fonts\.googleapis|jsdelivr)/);

      const zipped = await fetch(origin(gateways.graphiql) + path, {
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(Number(zipped.headers.get('content-length'))).toBeLessThan(body.length);
      // fetch decompresses: the compressed copy must be the same file, not a stale one.
      expect(Buffer.from(await zipped.arrayBuffer()).equals(body), path).toBe(true);
    }
  });

  it('serves nothing outside the build: unknown names, traversal, malformed escapes', async () => {
    for (const path of [
      '/explorer/assets/nope.js',
      '/explorer/assets/manifest.json',
      '/explorer/assets/..%2F..%2Fpackage.json',
      '/explorer/assets/%2E%2E%2Fbuild.ts',
      '/explorer/assets/%E0%A4%A',
      '/explorer/assets/',
    ]) {
      const response = await fetch(origin(gateways.graphiql) + path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('"name"');
    }
  });

  it('leaves GraphQL alone: POST, GET with a query, and clients that do not ask for HTML', async () => {
    const answer = await post(gateways.graphiql!.url, { query: '{ products { name } }' });
    expect(answer.body.data).toEqual({ products: [{ name: 'Lamp' }, { name: 'Desk' }] });

    const get = await fetch(
      `${gateways.graphiql!.url}?query=${encodeURIComponent('{ products { name } }')}`,
      {
        headers: { ...html, 'apollo-require-preflight': 'true' },
      },
    );
    expect(get.headers.get('content-type')).toMatch(/json/);
    expect(((await get.json()) as { data: unknown }).data).toEqual({
      products: [{ name: 'Lamp' }, { name: 'Desk' }],
    });

    const curl = await fetch(gateways.graphiql!.url, { headers: { accept: '*/*' } });
    expect(curl.headers.get('content-type')).not.toMatch(/html/);
  });

  it('tells how to build the files when they are missing, instead of a broken page', () => {
    const emptyDist = mkdtempSync(join(tmpdir(), 'explorer-dist-'));
    const page = explorerPage(readManifest(emptyDist), '/graphql');
    expect(page.status).toBe(503);
    expect(page.html).toContain('npm run explorer:build -w @aetherial/gateway');
    expect(page.html).not.toMatch(/<script/);
  });
});

describe('sandbox and off', () => {
  it('sandbox keeps Apollo’s landing page (which loads Apollo Sandbox from Apollo’s CDN)', async () => {
    const response = await fetch(gateways.sandbox!.url, { headers: html });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toMatch(/embeddable-sandbox|apollographql\.com/);
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect((await fetch(`${origin(gateways.sandbox)}/explorer/assets/x.js`)).status).toBe(404);
  });

  it('off serves no page and no files', async () => {
    for (const gateway of [gateways.off, gateways.production]) {
      const response = await fetch(gateway!.url, { headers: html });
      expect(response.headers.get('content-type')).not.toMatch(/html/);
      expect(await response.text()).not.toMatch(/<html|<script/i);
      const { script } = (readManifest() as { ok: true; manifest: { script: string } }).manifest;
      expect((await fetch(`${origin(gateway)}/explorer/assets/${script}`)).status).toBe(404);
    }
  });
});

describe('Apollo Studio (CORS, development only)', () => {
  const preflight = (url: string, from: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: from,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization, apollographql-client-name',
        'access-control-request-private-network': 'true',
      },
    });

  it('lets Studio’s Explorer call the gateway and read the answer', async () => {
    const answer = await preflight(gateways.graphiql!.url, STUDIO_ORIGIN);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(STUDIO_ORIGIN);
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
    expect(answer.headers.get('access-control-allow-headers')).toBe(
      'content-type, authorization, apollographql-client-name',
    );
    expect(answer.headers.get('access-control-allow-private-network')).toBe('true');

    const response = await fetch(gateways.graphiql!.url, {
      method: 'POST',
      headers: { origin: STUDIO_ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products { name } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(STUDIO_ORIGIN);
    expect(response.headers.get('vary')).toMatch(/origin/i);
    expect(((await response.json()) as { data: unknown }).data).toBeTruthy();
  });

  it('gives no other origin access, and Studio none in production', async () => {
    for (const [gateway, from] of [
      [gateways.graphiql, 'https://evil.example'],
      [gateways.graphiql, 'https://studio.apollographql.com.evil.example'],
      [gateways.production, STUDIO_ORIGIN],
    ] as const) {
      const answer = await preflight(gateway!.url, from);
      expect(answer.headers.get('access-control-allow-origin'), from).toBeNull();
      expect(answer.headers.get('access-control-allow-headers'), from).toBeNull();
      const response = await fetch(gateway!.url, {
        method: 'POST',
        headers: { origin: from, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ products { name } }' }),
      });
      expect(response.headers.get('access-control-allow-origin'), from).toBeNull();
    }
  });

  it('does not echo a malformed header list', async () => {
    const answer = await fetch(gateways.graphiql!.url, {
      method: 'OPTIONS',
      headers: { origin: STUDIO_ORIGIN, 'access-control-request-headers': 'content-type; x=<script>' },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-headers')).toBeNull();
  });
});
