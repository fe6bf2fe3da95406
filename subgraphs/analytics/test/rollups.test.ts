import { flux } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Influx, type RetentionPolicy } from '../src/influx.js';
import { identityTime, postActivity, sale } from '../src/points.js';
import { ensureSchema } from '../src/rollups.js';
import { dropRun, newRunId, testConfig, waitFor } from './helpers.js';

const config = testConfig(newRunId(), { ANALYTICS_ROLLUP_EVERY: '1s' });
const influx = new Influx(config);
const hour = 3_600_000;

beforeAll(() => ensureSchema(influx, config));
afterAll(() => dropRun(config));

/** Sum of a field per series in one retention policy, from InfluxDB itself. */
async function sums(
  policy: RetentionPolicy,
  measurement: string,
  field: string,
): Promise<Record<string, number>> {
  const rows = await influx.query<{ post?: string; product?: string; metric?: string; _value: number }>(flux`
    from(bucket: ${influx.bucket(policy)})
      |> range(start: -3d)
      |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${field})
      |> group(columns: ["post", "product", "metric"])
      |> sum()`);
  return Object.fromEntries(
    rows.map((row) => [`${row.post || row.product}:${row.metric ?? ''}`, Number(row._value)]),
  );
}

describe('rollups by continuous queries', () => {
  it('keeps hourly and daily sums equal to the raw sums, per series', async () => {
    const now = Date.now();
    // Points over the last five hours, a few per hour, in two posts and two metrics, and sales.
    const points = Array.from({ length: 60 }, (_, index) => {
      const at = new Date(now - (index % 5) * hour - index * 1000);
      return postActivity(
        index % 2 ? 'p1' : 'p2',
        index % 3 ? 'like' : 'view',
        1 + (index % 4),
        identityTime(at, `p${index}`),
      );
    });
    points.push(
      ...Array.from({ length: 10 }, (_, index) =>
        sale('s1', index + 1, (index + 1) * 250, identityTime(new Date(now - index * 1800_000), `s${index}`)),
      ),
    );
    await influx.write('raw', points);
    const raw = await sums('raw', 'post_activity', 'count');
    expect(Object.values(raw).reduce((a, b) => a + b, 0)).toBe(
      points.slice(0, 60).reduce((sum, _, index) => sum + 1 + (index % 4), 0),
    );
    await waitFor(
      async () => JSON.stringify(await sums('hourly', 'post_activity', 'count')) === JSON.stringify(raw),
      30_000,
    );
    await waitFor(
      async () => JSON.stringify(await sums('daily', 'post_activity', 'count')) === JSON.stringify(raw),
      30_000,
    );
    const rawSales = {
      units: await sums('raw', 'sales', 'units'),
      revenue: await sums('raw', 'sales', 'revenue_cents'),
    };
    expect(rawSales.units).toEqual({ 's1:': 55 });
    expect(rawSales.revenue).toEqual({ 's1:': 55 * 250 });
    await waitFor(async () => (await sums('daily', 'sales', 'revenue_cents'))['s1:'] === 55 * 250, 30_000);
  });

  it('sets up the same schema again without error and without duplicating queries', async () => {
    await ensureSchema(influx, config);
    await ensureSchema(influx, { ...config, ANALYTICS_ROLLUP_EVERY: '2s' });
    const queries = (await influx.influxql('SHOW CONTINUOUS QUERIES'))
      .filter((series) => series.name === config.INFLUXDB_DATABASE)
      .flatMap((series) => (series.values ?? []).map((row) => String(row[1])));
    // Five measurements (the gateway's request series too), hourly and daily: the 1s definitions
    // were replaced by the 2s ones.
    expect(queries).toHaveLength(10);
    expect(queries.every((query) => query.includes('EVERY 2s'))).toBe(true);
  });
});
