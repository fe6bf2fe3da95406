import { badUserInput } from '@aetherial/subgraph-kit';
import type { AnalyticsConfig } from './config.js';
import type { Interval } from './generated/graphql.js';
import type { RetentionPolicy } from './influx.js';

/** Most buckets one series may have: a longer range needs a wider interval. */
export const MAX_BUCKETS = 1000;

export const INTERVAL_MS: Record<Interval, number> = {
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

/** The data each interval reads: the raw points, or one of InfluxDB's rollups of them. */
export const INTERVAL_SOURCE: Record<Interval, RetentionPolicy> = {
  MINUTE: 'raw',
  HOUR: 'hourly',
  DAY: 'daily',
};

/** A validated series request: [from, to) aligned to the interval (UTC). */
export interface SeriesRange {
  from: Date;
  to: Date;
  interval: Interval;
  source: RetentionPolicy;
  /** Start of every bucket, in order. */
  starts: Date[];
}

const DURATION_MS: Record<string, number> = {
  ns: 1e-6,
  u: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of an InfluxQL duration (`30d`), Infinity for INF. */
export function durationMs(duration: string): number {
  if (duration === 'INF') return Infinity;
  const match = /^(\d+)(ns|u|ms|s|m|h|d|w)$/.exec(duration);
  if (!match) throw new Error(`not an InfluxQL duration: ${duration}`);
  return Number(match[1]) * DURATION_MS[match[2]!]!;
}

export type Retentions = Pick<
  AnalyticsConfig,
  'ANALYTICS_RAW_RETENTION' | 'ANALYTICS_HOURLY_RETENTION' | 'ANALYTICS_DAILY_RETENTION'
>;

function retentionMs(retentions: Retentions, source: RetentionPolicy): number {
  const duration = {
    raw: retentions.ANALYTICS_RAW_RETENTION,
    hourly: retentions.ANALYTICS_HOURLY_RETENTION,
    daily: retentions.ANALYTICS_DAILY_RETENTION,
  }[source];
  return durationMs(duration);
}

/**
 * Checks a series request and aligns it: `from` rounded down and `to` up to the interval.
 * BAD_USER_INPUT names the argument: `from` not before `to`, `from` older than what the interval's
 * data keeps, or `interval` too fine for the range (more than MAX_BUCKETS buckets).
 */
export function seriesRange(
  args: { from: string; to: string; interval: Interval },
  retentions: Retentions,
  now = Date.now(),
): SeriesRange {
  const step = INTERVAL_MS[args.interval];
  const fromMs = Date.parse(args.from);
  const toMs = Date.parse(args.to);
  if (!(fromMs < toMs))
    throw badUserInput('from', `must be before to (${args.from} is not before ${args.to})`);
  const from = Math.floor(fromMs / step) * step;
  const to = Math.ceil(toMs / step) * step;
  const buckets = (to - from) / step;
  if (buckets > MAX_BUCKETS) {
    throw badUserInput(
      'interval',
      `${args.interval} is too fine for this range: ${buckets} buckets, at most ${MAX_BUCKETS}; use a wider interval or a shorter range`,
    );
  }
  const source = INTERVAL_SOURCE[args.interval];
  const kept = retentionMs(retentions, source);
  if (Number.isFinite(kept) && from < now - kept) {
    throw badUserInput(
      'from',
      `${args.interval} data is kept for ${Math.round(kept / 86_400_000)} days; from must be after ${new Date(now - kept).toISOString()} (or use a wider interval)`,
    );
  }
  const starts = Array.from({ length: buckets }, (_, index) => new Date(from + index * step));
  return { from: new Date(from), to: new Date(to), interval: args.interval, source, starts };
}

/**
 * maxAge for a series: a range whose last bucket is still open (or only just closed, so its rollup
 * may still move) changes within a minute; a closed one only by a late event.
 */
export function seriesMaxAge(range: SeriesRange, now = Date.now()): number {
  const settleMs = range.source === 'raw' ? 60_000 : 2 * INTERVAL_MS[range.interval];
  return range.to.getTime() + settleMs > now ? 30 : 3600;
}

/** The key of a range, for loaders that batch every id with the same range into one query. */
export const rangeKey = (range: SeriesRange): string =>
  `${range.interval}:${range.from.toISOString()}:${range.to.toISOString()}`;
