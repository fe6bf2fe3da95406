import { flux, fluxExpression, fluxString, type Point } from '@influxdata/influxdb-client';
import { REQUEST_SERIES_MEASUREMENT } from '@aetherial/subgraph-kit';
import type { Interval, TrendWindow } from './generated/graphql.js';
import type { Influx } from './influx.js';
import type { PostMetricTag, UserMetricTag } from './points.js';
import { INTERVAL_MS, type SeriesRange } from './ranges.js';

export interface PostTotals {
  post: string;
  metric: PostMetricTag;
  count: number;
}

/** One bucket of one entity's series; `start` in epoch milliseconds. */
export interface SeriesRow {
  id: string;
  start: number;
  count: number;
}

export interface SalesRow {
  id: string;
  start: number;
  units: number;
  revenueCents: number;
}

export interface TrendingRow {
  post: string;
  score: number;
}

/** Flux literals of the interval widths (constants, never user input). */
const FLUX_EVERY: Record<Interval, string> = { MINUTE: '1m', HOUR: '1h', DAY: '1d' };

export const TREND_WINDOW_MS: Record<TrendWindow, number> = {
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 604_800_000,
};

/** How much one event of a metric weighs in trendingPosts. */
export const TREND_WEIGHTS: Record<PostMetricTag, number> = { view: 1, like: 3, comment: 5 };

/**
 * `r.<column> == "id1" or r.<column> == "id2" ...`: equality predicates InfluxDB pushes down to
 * its storage (a set lookup with contains() would read every series). The column is a constant;
 * every id is a Flux string literal escaped by the client (and was validated against ID_PATTERN).
 */
function anyOf(column: 'post' | 'user' | 'product', ids: readonly string[]) {
  return fluxExpression(`(${ids.map((id) => `r.${column} == ${fluxString(id)}`).join(' or ')})`);
}

/** Start of the UTC day two days ago: daily rollups before it are final; raw points from it on. */
export function totalsCutoff(now = Date.now()): Date {
  const day = INTERVAL_MS.DAY;
  return new Date(Math.floor(now / day) * day - 2 * day);
}

/**
 * The analytics queries: each method is one Flux query (one round trip), batched over all the ids
 * a loader collected.
 */
export class AnalyticsStore {
  constructor(readonly influx: Influx) {}

  /**
   * Totals per post and metric: the daily rollup up to two days ago (kept for ever) plus the raw
   * points since, so a total neither waits for the rollup nor outlives the raw retention.
   */
  async postTotals(postIds: readonly string[], now = Date.now()): Promise<PostTotals[]> {
    const cutoff = totalsCutoff(now);
    const predicate = anyOf('post', postIds);
    const rows = await this.influx.query<{ post: string; metric: PostMetricTag; _value: number }>(flux`
      keep = (r) => r._measurement == "post_activity" and r._field == "count" and ${predicate}
      daily = from(bucket: ${this.influx.bucket('daily')})
        |> range(start: 1970-01-01T00:00:00Z, stop: ${cutoff})
        |> filter(fn: keep)
      recent = from(bucket: ${this.influx.bucket('raw')})
        |> range(start: ${cutoff})
        |> filter(fn: keep)
      union(tables: [daily, recent])
        |> group(columns: ["post", "metric"])
        |> sum()`);
    return rows.map((row) => ({ post: row.post, metric: row.metric, count: Number(row._value) }));
  }

  /** Buckets of one metric of many posts or users over one range (empty buckets absent). */
  async activity(
    kind: 'post' | 'user',
    metric: PostMetricTag | UserMetricTag,
    range: SeriesRange,
    ids: readonly string[],
  ): Promise<SeriesRow[]> {
    const measurement = kind === 'post' ? 'post_activity' : 'user_activity';
    const rows = await this.influx.query<Record<string, string | number>>(flux`
      from(bucket: ${this.influx.bucket(range.source)})
        |> range(start: ${range.from}, stop: ${range.to})
        |> filter(fn: (r) => r._measurement == ${measurement} and r._field == "count" and r.metric == ${metric} and ${anyOf(kind, ids)})
        |> aggregateWindow(every: ${fluxExpression(FLUX_EVERY[range.interval])}, fn: sum, timeSrc: "_start", createEmpty: false)`);
    return rows.map((row) => ({
      id: String(row[kind]),
      start: Date.parse(String(row._time)),
      count: Number(row._value),
    }));
  }

  /** Units and revenue per bucket of many products over one range (empty buckets absent). */
  async sales(range: SeriesRange, productIds: readonly string[]): Promise<SalesRow[]> {
    const rows = await this.influx.query<{
      product: string;
      _time: string;
      _field: string;
      _value: number;
    }>(flux`
      from(bucket: ${this.influx.bucket(range.source)})
        |> range(start: ${range.from}, stop: ${range.to})
        |> filter(fn: (r) => r._measurement == "sales" and ${anyOf('product', productIds)})
        |> aggregateWindow(every: ${fluxExpression(FLUX_EVERY[range.interval])}, fn: sum, timeSrc: "_start", createEmpty: false)`);
    const buckets = new Map<string, SalesRow>();
    for (const row of rows) {
      const start = Date.parse(row._time);
      const key = `${row.product}:${start}`;
      const bucket = buckets.get(key) ?? { id: row.product, start, units: 0, revenueCents: 0 };
      if (row._field === 'units') bucket.units += Number(row._value);
      if (row._field === 'revenue_cents') bucket.revenueCents += Number(row._value);
      buckets.set(key, bucket);
    }
    return [...buckets.values()];
  }

  /**
   * The posts with the highest decayed, weighted activity in the window, computed by InfluxDB:
   * each point (raw for HOUR, hourly rollup buckets otherwise) counts weight × 2^(-age / half-life),
   * half-life a quarter of the window.
   */
  async trending(window: TrendWindow, first: number): Promise<TrendingRow[]> {
    const windowMs = TREND_WINDOW_MS[window];
    const halfLifeNs = (windowMs / 4) * 1e6;
    const source = window === 'HOUR' ? 'raw' : 'hourly';
    const start = new Date(Date.now() - windowMs);
    const rows = await this.influx.query<{ post: string; _value: number }>(flux`
      import "math"
      from(bucket: ${this.influx.bucket(source)})
        |> range(start: ${start})
        |> filter(fn: (r) => r._measurement == "post_activity" and r._field == "count")
        |> map(fn: (r) => ({r with _value:
             float(v: r._value)
             * (if r.metric == "comment" then ${TREND_WEIGHTS.comment}.0 else if r.metric == "like" then ${TREND_WEIGHTS.like}.0 else ${TREND_WEIGHTS.view}.0)
             * math.pow(x: 2.0, y: -1.0 * float(v: int(v: now()) - int(v: r._time)) / ${halfLifeNs}.0)}))
        |> group(columns: ["post"])
        |> sum()
        |> filter(fn: (r) => r._value > 0.0)
        |> group()
        |> sort(columns: ["_value", "post"], desc: true)
        |> limit(n: ${first})`);
    return rows.map((row) => ({ post: row.post, score: Number(row._value) }));
  }

  /**
   * The gateway's request series over one range: every field summed per bucket (empty buckets
   * absent), as `start → field → sum`.
   */
  async graphActivity(range: SeriesRange): Promise<Map<number, Map<string, number>>> {
    const rows = await this.influx.query<{ _time: string; _field: string; _value: number }>(flux`
      from(bucket: ${this.influx.bucket(range.source)})
        |> range(start: ${range.from}, stop: ${range.to})
        |> filter(fn: (r) => r._measurement == ${REQUEST_SERIES_MEASUREMENT})
        |> aggregateWindow(every: ${fluxExpression(FLUX_EVERY[range.interval])}, fn: sum, timeSrc: "_start", createEmpty: false)`);
    const buckets = new Map<number, Map<string, number>>();
    for (const row of rows) {
      const start = Date.parse(row._time);
      const fields = buckets.get(start) ?? new Map<string, number>();
      fields.set(row._field, (fields.get(row._field) ?? 0) + Number(row._value));
      buckets.set(start, fields);
    }
    return buckets;
  }

  /** Writes view points (one request). */
  writeViews(points: readonly Point[]): Promise<void> {
    return this.influx.write('raw', points);
  }
}
