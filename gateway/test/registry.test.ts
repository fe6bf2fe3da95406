/**
 * The schema registry on real PostgreSQL with the real gateway: usage the gateway records, checks
 * (unused removal passes, used removal fails naming the operation, composition errors fail),
 * publish (refused unless --force), the running gateway switching to a published supergraph with
 * no failed request under load, and rollback.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCandidate } from '../src/registry/check.js';
import { publishCandidate, rollbackSubgraph } from '../src/registry/publish.js';
import { RegistryStore } from '../src/registry/store.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, catalogSdl, reviewsSdl, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { post, secret, testConfig, until } from './helpers.js';

const adminUrl = process.env.DATABASE_URL ?? 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial';
const database = 'aetherial_gateway_registry_test';
const registryUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
})();

let fixture: Fixture;
let redis: TestRedis;
let registry: RegistryStore;
let gateway: RunningGateway;

async function recreateDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
}

const withoutLine = (sdl: string, line: string) => {
  if (!sdl.includes(line)) throw new Error(`fixture has no line ${line}`);
  return sdl.replace(line, '');
};
const storefront = { 'apollographql-client-name': 'storefront', 'apollographql-client-version': '1.2.0' };
const weekAgo = () => new Date(Date.now() - 7 * 24 * 3_600_000);

beforeAll(async () => {
  await recreateDatabase();
  registry = await RegistryStore.connect(registryUrl);
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs(secret);
  for (const [subgraph, sdl, url] of [
    ['catalog', catalogSdl, fixture.catalog.url],
    ['reviews', reviewsSdl, fixture.reviews.url],
  ] as const) {
    const first = await publishCandidate(registry, { subgraph, sdl, routingUrl: url });
    expect(first.published, JSON.stringify(first.report.refusals)).toBe(true);
  }
  gateway = await startGateway(
    testConfig({
      REDIS_URL: redis.url,
      GATEWAY_CACHE: 'false',
      SUPERGRAPH_SOURCE: 'registry',
      SCHEMA_REGISTRY_URL: registryUrl,
      SUPERGRAPH_POLL_MS: '200',
      GATEWAY_USAGE_FLUSH_MS: '200',
    }),
  );
  // Live traffic: a storefront reads prices three times.
  for (let i = 0; i < 3; i += 1) {
    const answer = await post(
      gateway.url,
      {
        query: 'query ProductPrices { products(first: 2) { id priceCents } }',
        operationName: 'ProductPrices',
      },
      storefront,
    );
    expect(answer.body.errors).toBeUndefined();
  }
  // Flushes run on a timer: the three requests may land in one batch or two.
  await until(
    async () => (await registry.operationsUsing('Product.priceCents', weekAgo()))[0]?.count === 3,
    10_000,
  );
});

afterAll(async () => {
  await gateway?.stop();
  await fixture?.stop();
  await redis?.stop();
  await registry?.close();
});

describe('usage the gateway records', () => {
  it('field and argument coordinates with the operation and its client, counted', async () => {
    expect(await registry.operationsUsing('Product.priceCents', weekAgo())).toEqual([
      expect.objectContaining({
        operationName: 'ProductPrices',
        clientName: 'storefront',
        clientVersion: '1.2.0',
        count: 3,
      }),
    ]);
    expect(await registry.operationsUsing('Query.products.first', weekAgo())).toHaveLength(1);
    expect(await registry.operationsUsing('Product.name', weekAgo())).toEqual([]);
  });

  it('keeps an oversized client name to 64 characters and a missing one as "unknown"', async () => {
    await post(
      gateway.url,
      { query: 'query Huge { clock }' },
      { 'apollographql-client-name': 'x'.repeat(10_000) },
    );
    await post(gateway.url, { query: 'query Nameless { clock }' });
    await until(async () => (await registry.operationsUsing('Query.clock', weekAgo())).length === 2, 10_000);
    const clients = (await registry.operationsUsing('Query.clock', weekAgo()))
      .map((use) => use.clientName)
      .sort();
    expect(clients).toEqual(['unknown', 'x'.repeat(64)]);
  });
});

describe('schema check', () => {
  it('passes the removal of a field no client used, listing it as breaking', async () => {
    const report = await checkCandidate(registry, {
      subgraph: 'catalog',
      sdl: withoutLine(catalogSdl, 'slow: String @cacheControl(maxAge: 60)'),
    });
    expect(report.refusals).toEqual([]);
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'breaking', path: 'Query.slow', usedBy: [] }),
    ]);
  });

  it('fails the removal of a field a recorded operation used, naming the operation and its requests', async () => {
    const report = await checkCandidate(registry, {
      subgraph: 'catalog',
      sdl: withoutLine(catalogSdl, 'priceCents: Int!'),
    });
    expect(report.refusals).toHaveLength(1);
    const change = report.changes.find((each) => each.path === 'Product.priceCents');
    expect(change?.usedBy).toEqual([
      expect.objectContaining({ operationName: 'ProductPrices', clientName: 'storefront', count: 3 }),
    ]);
  });

  it('passes the same removal when the usage is older than the window', async () => {
    const report = await checkCandidate(
      registry,
      { subgraph: 'catalog', sdl: withoutLine(catalogSdl, 'priceCents: Int!') },
      { now: new Date(Date.now() + 30 * 24 * 3_600_000) },
    );
    expect(report.refusals).toEqual([]);
  });

  it('fails a candidate that does not compose, naming the type and field', async () => {
    // catalog's Product.id becomes Int! while reviews keeps ID!: the key field's types disagree.
    const sdl = catalogSdl.replace(/(type Product[^{]*\{\s*)id: ID!/, '$1id: Int!');
    expect(sdl).not.toBe(catalogSdl);
    const report = await checkCandidate(registry, { subgraph: 'catalog', sdl });
    expect(report.compositionErrors.join('\n')).toMatch(/Product\.id/);
    expect(report.refusals).toHaveLength(1);
  });

  it('fails a candidate that is not GraphQL', async () => {
    const report = await checkCandidate(registry, { subgraph: 'catalog', sdl: 'type {' });
    expect(report.compositionErrors[0]).toMatch(/INVALID_GRAPHQL/);
  });

  it('refuses a first publish without a routing URL', async () => {
    const report = await checkCandidate(registry, {
      subgraph: 'newcomer',
      sdl: 'type Query { hello: String }',
    });
    expect(report.refusals[0]).toMatch(/--url/);
  });
});

describe('npm run schema -- check (the CLI a team runs in CI)', () => {
  const cli = async (args: string[]) => {
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'src/registry/cli.ts', ...args],
        { env: { ...process.env, SCHEMA_REGISTRY_URL: registryUrl } },
      );
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string };
      return { code: failed.code, stdout: failed.stdout };
    }
  };
  const schemaFile = (sdl: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'registry-cli-')), 'schema.graphql');
    writeFileSync(path, sdl);
    return path;
  };

  it('exits 0 with a JSON report for an unused removal', async () => {
    const file = schemaFile(withoutLine(catalogSdl, 'slow: String @cacheControl(maxAge: 60)'));
    const { code, stdout } = await cli(['check', '--subgraph', 'catalog', '--schema', file, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ subgraph: 'catalog', refusals: [] });
  });

  it('exits 1 and names the operation for a used removal', async () => {
    const file = schemaFile(withoutLine(catalogSdl, 'priceCents: Int!'));
    const { code, stdout } = await cli(['check', '--subgraph', 'catalog', '--schema', file]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/used by operation "ProductPrices" .* of storefront@1\.2\.0: 3 requests/);
  });
});

describe('publish and rollback', () => {
  it('publish refuses what check refuses, and stores nothing', async () => {
    const before = await registry.history();
    const outcome = await publishCandidate(registry, {
      subgraph: 'catalog',
      sdl: withoutLine(catalogSdl, 'priceCents: Int!'),
    });
    expect(outcome.published).toBe(false);
    expect(await registry.history()).toEqual(before);
  });

  it('--force publishes a refused change; the running gateway switches with zero failed requests under load, and rollback restores', async () => {
    let stopLoad = false;
    const failures: string[] = [];
    let served = 0;
    const load = async () => {
      while (!stopLoad) {
        const answer = await post(gateway.url, { query: '{ products { id name reviews { stars } } }' });
        if (answer.status !== 200 || answer.body.errors) failures.push(JSON.stringify(answer.body));
        else served += 1;
      }
    };
    const loops = Array.from({ length: 4 }, load);
    const clockAnswers = async () =>
      (await post(gateway.url, { query: '{ clock }' })).body.errors === undefined;
    try {
      expect(await clockAnswers()).toBe(true);
      // `clock` was used (recorded above): only --force publishes its removal.
      const published = await publishCandidate(
        registry,
        { subgraph: 'catalog', sdl: withoutLine(catalogSdl, 'clock: String!') },
        { force: true },
      );
      expect(published.published).toBe(true);
      await until(async () => !(await clockAnswers()), 10_000);

      const rolledBack = await rollbackSubgraph(registry, 'catalog');
      expect(rolledBack.restored).toBeLessThan(published.subgraphVersion!);
      await until(clockAnswers, 10_000);
    } finally {
      stopLoad = true;
      await Promise.all(loops);
    }
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(0);
    const history = await registry.history('catalog');
    expect(history.map((version) => version.action)).toEqual(['rollback', 'force-publish', 'publish']);
    expect(history[0]!.sdl).toBe(catalogSdl);
  });

  it('rollback of a subgraph never published fails clearly', async () => {
    await expect(rollbackSubgraph(registry, 'nobody')).rejects.toThrow(/no published version/);
  });
});
