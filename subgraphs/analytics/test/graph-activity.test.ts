import { Point } from '@influxdata/influxdb-client';
import {
  callAsGateway,
  latencyField,
  REQUEST_LATENCY_BOUNDS_MS,
  REQUEST_SERIES_MEASUREMENT,
} from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConfig } from '../src/config.js';
import { histogramQuantile } from '../src/graph-activity.js';
import { createSubgraph, type RunningAnalytics } from '../src/subgraph.js';
import { dropRun, newRunId, testConfig, waitFor } from './helpers.js';

const config: AnalyticsConfig = testConfig(newRunId(), { ANALYTICS_ROLLUP_EVERY: '1s' });
let analytics: RunningAnalytics;
const minute = 60_000;
const hour = 3_600_000;
const lastHour = Math.floor(Date.now() / hour) * hour - hour;

/** A window as the gateway writes it (gateway/src/request-series): counts and a cumulative histogram. */
function gatewayWindow(at: number, durationsMs: number[], errors: number): Point {
  const point = new Point(REQUEST_SERIES_MEASUREMENT)
    .intField('requests', durationsMs.length)
    .intField('errors', errors)
    .floatField(
      'duration_ms_sum',
      durationsMs.reduce((sum, ms) => sum + ms, 0),
    )
    .timestamp(String(BigInt(at) * 1_000_000n + 123n));
  for (const bound of REQUEST_LATENCY_BOUNDS_MS)
    point.intField(latencyField(bound), durationsMs.filter((ms) => ms <= bound).length);
  return point;
}

const admin = { userId: 'admin-1', scopes: ['customer', 'admin', 'catalog:write'] };
const query = `query($from: DateTime!, $to: DateTime!, $interval: Interval!) {
  graphActivity(from: $from, to: $to, interval: $interval) {
    start requests errors meanLatencyMs p50LatencyMs p95LatencyMs } }`;

interface Bucket {
  start: string;
  requests: number;
  errors: number;
  meanLatencyMs: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

const ask = (variables: Record<string, unknown>, viewer: Parameters<typeof callAsGateway>[3] = admin) =>
  callAsGateway<{ graphActivity: Bucket[] }>(analytics, query, variables, viewer);

beforeAll(async () => {
  analytics = await createSubgraph(config);
  // Two windows of one gateway last hour, ten minutes apart.
  await analytics.store.influx.write('raw', [
    gatewayWindow(lastHour + 10 * minute + 5000, [1, 2, 3, 4, 5, 20, 20, 20, 20, 20], 2),
    gatewayWindow(lastHour + 20 * minute + 5000, Array(10).fill(200), 0),
  ]);
});

afterAll(async () => {
  await analytics?.stop();
  await dropRun(config);
});

describe('graphActivity', () => {
  it('answers every minute bucket with requests, errors and latency from the gateway’s windows', async () => {
    const answer = await ask({
      from: new Date(lastHour + 9 * minute).toISOString(),
      to: new Date(lastHour + 22 * minute).toISOString(),
      interval: 'MINUTE',
    });
    expect(answer.errors).toBeUndefined();
    const buckets = answer.data!.graphActivity;
    expect(buckets).toHaveLength(13);
    expect(buckets[1]).toEqual({
      start: new Date(lastHour + 10 * minute).toISOString(),
      requests: 10,
      errors: 2,
      meanLatencyMs: 11.5,
      p50LatencyMs: 5,
      p95LatencyMs: 23.5,
    });
    expect(buckets[11]).toMatchObject({ requests: 10, errors: 0, meanLatencyMs: 200, p50LatencyMs: 175 });
    expect(buckets[0]).toEqual({
      start: new Date(lastHour + 9 * minute).toISOString(),
      requests: 0,
      errors: 0,
      meanLatencyMs: null,
      p50LatencyMs: null,
      p95LatencyMs: null,
    });
  });

  it('sums the windows of an hour from the hourly rollup, quantiles from the summed histogram', async () => {
    const variables = {
      from: new Date(lastHour).toISOString(),
      to: new Date(lastHour + hour).toISOString(),
      interval: 'HOUR',
    };
    // The continuous query rolls the raw points up within a few seconds (RESAMPLE EVERY 1s here).
    const [bucket] = await waitFor(async () => {
      const answer = await ask(variables);
      expect(answer.errors).toBeUndefined();
      return answer.data!.graphActivity[0]!.requests > 0 && answer.data!.graphActivity;
    });
    expect(bucket).toEqual({
      start: new Date(lastHour).toISOString(),
      requests: 20,
      errors: 2,
      meanLatencyMs: 105.75,
      p50LatencyMs: 25,
      p95LatencyMs: 235,
    });
  });

  it('is for admins only: a customer is refused naming the scope, an anonymous caller too', async () => {
    const variables = {
      from: new Date(lastHour).toISOString(),
      to: new Date(lastHour + hour).toISOString(),
      interval: 'HOUR',
    };
    const customer = await ask(variables, 'customer-1');
    expect(customer.data).toBeNull();
    expect(
      customer.errors?.map((error) => [error.extensions?.code, error.extensions?.requiredScopes]),
    ).toEqual([['FORBIDDEN', ['admin']]]);
    expect(customer.errors?.[0]?.message).toMatch(/scope admin/);
    const anonymous = await ask(variables, null);
    expect(anonymous.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('names the argument of a bad range: from after to, too many buckets, beyond the retention', async () => {
    const codes = async (variables: Record<string, unknown>) =>
      (await ask(variables)).errors?.map((error) => [error.extensions?.code, error.extensions?.field]);
    expect(
      await codes({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z', interval: 'DAY' }),
    ).toEqual([['BAD_USER_INPUT', 'from']]);
    expect(
      await codes({
        from: new Date(Date.now() - 2 * 86_400_000).toISOString(),
        to: new Date().toISOString(),
        interval: 'MINUTE',
      }),
    ).toEqual([['BAD_USER_INPUT', 'interval']]);
    expect(
      await codes({
        // Raw points are kept 30 days: 40 days ago at MINUTE is past them (and fine by bucket count).
        from: new Date(Date.now() - 40 * 86_400_000).toISOString(),
        to: new Date(Date.now() - 40 * 86_400_000 + hour).toISOString(),
        interval: 'MINUTE',
      }),
    ).toEqual([['BAD_USER_INPUT', 'from']]);
  });
});

describe('histogramQuantile', () => {
  const bounds = [10, 20, 40];
  it('interpolates inside the bucket the rank falls in, and stops at the last bound', () => {
    expect(histogramQuantile(0.5, bounds, [0, 10, 10], 10)).toBe(15);
    expect(histogramQuantile(0.25, bounds, [5, 5, 10], 10)).toBe(5);
    expect(histogramQuantile(0.95, bounds, [5, 5, 10], 10)).toBe(38);
    expect(histogramQuantile(0.95, bounds, [5, 5, 5], 10)).toBe(40);
    expect(histogramQuantile(0.5, bounds, [0, 0, 0], 0)).toBeNull();
  });
});
