import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSeriesHooks } from '../src/request-series/index.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startFixtureSubgraphs, type Fixture } from './fixtures/subgraphs.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { composeFixture, post, testConfig, until, writeSupergraph } from './helpers.js';

/** The stack's InfluxDB (the analytics store); each run writes into a database of its own. */
const influxUrl = process.env.INFLUXDB_URL ?? 'http://127.0.0.1:8086';
const database = `gateway_test_${randomBytes(5).toString('hex')}`;

async function influxql(
  q: string,
): Promise<{ results: { series?: { columns: string[]; values: unknown[][] }[] }[] }> {
  const response = await fetch(new URL('/query', influxUrl), {
    method: 'POST',
    body: new URLSearchParams({ q, db: database }),
  });
  if (!response.ok) throw new Error(`InfluxQL ${q}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { results: { series?: { columns: string[]; values: unknown[][] }[] }[] };
}

/** Sums of the series' fields in InfluxDB, read back with InfluxQL. */
async function sums(): Promise<Record<string, number>> {
  const answer = await influxql(
    `SELECT sum("requests") AS requests, sum("errors") AS errors, sum("le_10000ms") AS within10s, count("requests") AS points FROM "raw"."gateway_requests"`,
  );
  const series = answer.results[0]?.series?.[0];
  if (!series) return { requests: 0, errors: 0, within10s: 0, points: 0 };
  return Object.fromEntries(
    series.columns.slice(1).map((column, i) => [column, Number(series.values[0]![i + 1])]),
  );
}

let fixture: Fixture;
let redis: TestRedis;
let gateway: RunningGateway;
const saved = { ...process.env };

beforeAll(async () => {
  // Analytics creates the database and its retention policies; here the test does.
  await influxql(`CREATE DATABASE "${database}"`);
  await influxql(`CREATE RETENTION POLICY "raw" ON "${database}" DURATION 1d REPLICATION 1 DEFAULT`);
  redis = await startTestRedis();
  fixture = await startFixtureSubgraphs();
  // The series reads its settings from the environment, beside the gateway's.
  Object.assign(process.env, {
    INFLUXDB_URL: influxUrl,
    INFLUXDB_DATABASE: database,
    GATEWAY_REQUEST_SERIES_FLUSH_MS: '1000',
  });
  gateway = await startGateway(
    testConfig({
      REDIS_URL: redis.url,
      SUPERGRAPH_PATH: writeSupergraph(composeFixture(fixture)),
      // On, so the repeated query below is answered by the cache-hit fast path, outside Apollo's plugins.
      GATEWAY_CACHE: 'true',
    }),
  );
});

afterAll(async () => {
  process.env = saved;
  await gateway?.stop();
  await fixture?.stop();
  await redis?.stop();
  await influxql(`DROP DATABASE "${database}"`).catch(() => undefined);
});

describe('the request series in InfluxDB', () => {
  it('counts every request the gateway answered, errors and latency, off the request path', async () => {
    const ok = 7;
    const failed = 3;
    const caches: (string | null)[] = [];
    for (let i = 0; i < ok; i += 1) {
      const answer = await post(gateway.url, { query: '{ products(first: 2) { id name } }' });
      expect(answer.body.errors).toBeUndefined();
      caches.push(answer.cache);
    }
    expect(caches).toContain('HIT');
    for (let i = 0; i < failed; i += 1) {
      const answer = await post(gateway.url, { query: '{ noSuchField }' });
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    await until(async () => ((await sums()).requests ?? 0) >= ok + failed, 15_000);
    const written = await sums();
    expect(written).toMatchObject({ requests: ok + failed, errors: failed, within10s: ok + failed });
    // Windows without requests write nothing.
    const points = written.points ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await sums()).points).toBe(points);
  });

  it('is off without INFLUXDB_URL', () => {
    expect(requestSeriesHooks(pino({ level: 'silent' }), 'gateway', { NODE_ENV: 'test' }).plugins).toEqual(
      [],
    );
  });

  it('refuses a flush interval below a second at start', () => {
    expect(() =>
      requestSeriesHooks(pino({ level: 'silent' }), 'gateway', {
        INFLUXDB_URL: influxUrl,
        GATEWAY_REQUEST_SERIES_FLUSH_MS: '10',
      }),
    ).toThrow(/GATEWAY_REQUEST_SERIES_FLUSH_MS/);
  });
});
