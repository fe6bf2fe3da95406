import { createHash } from 'node:crypto';
import { REQUEST_SERIES_FIELDS, REQUEST_SERIES_MEASUREMENT } from '@aetherial/subgraph-kit';
import type { AnalyticsConfig } from './config.js';
import type { Influx, RetentionPolicy } from './influx.js';
import { durationMs } from './ranges.js';

/** The measurements the recorder writes, and their integer fields the rollups sum. */
export const MEASUREMENTS = {
  /** Tags `post`, `metric` (view, like, comment). */
  post_activity: ['count'],
  /** Tags `user`, `metric` (post, comment, like, follow, order, view). */
  user_activity: ['count'],
  /** Tag `product`. */
  sales: ['units', 'revenue_cents'],
  /** No tags: one point per sign-up. */
  signups: ['count'],
  /** Written by the gateway (no tags): requests, errors, latency sum and histogram per window. */
  [REQUEST_SERIES_MEASUREMENT]: REQUEST_SERIES_FIELDS,
} as const;

export type Measurement = keyof typeof MEASUREMENTS;

/** How far back each continuous query recomputes its buckets on every run: late points within it are rolled up. */
const LOOKBACK: Record<'hourly' | 'daily', string> = { hourly: '1d', daily: '3d' };
const LOOKBACK_MS: Record<'hourly' | 'daily', number> = { hourly: 86_400_000, daily: 3 * 86_400_000 };
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type RetentionDurations = Pick<
  AnalyticsConfig,
  'ANALYTICS_RAW_RETENTION' | 'ANALYTICS_HOURLY_RETENTION' | 'ANALYTICS_DAILY_RETENTION'
>;

/**
 * Where a point of this time must be written so that every interval sees it once: raw while the
 * raw policy keeps it; and, once its bucket is older than what a continuous query still recomputes
 * (a late event, a replay), straight into the hourly and daily policies too, where the queries will
 * not count it again. Empty when it is older than every policy keeps.
 */
export function policiesFor(
  time: number,
  retentions: RetentionDurations,
  now = Date.now(),
): RetentionPolicy[] {
  const kept = (duration: string) => (duration === 'INF' ? Infinity : durationMs(duration));
  const margin = HOUR_MS;
  const policies: RetentionPolicy[] = [];
  if (time > now - kept(retentions.ANALYTICS_RAW_RETENTION) + margin) policies.push('raw');
  const hourlyWindowStart = Math.floor((now - LOOKBACK_MS.hourly) / HOUR_MS) * HOUR_MS;
  if (time < hourlyWindowStart && time > now - kept(retentions.ANALYTICS_HOURLY_RETENTION) + margin)
    policies.push('hourly');
  const dailyWindowStart = Math.floor((now - LOOKBACK_MS.daily) / DAY_MS) * DAY_MS;
  if (time < dailyWindowStart && time > now - kept(retentions.ANALYTICS_DAILY_RETENTION) + DAY_MS)
    policies.push('daily');
  return policies;
}

/**
 * The continuous queries: raw → hourly (GROUP BY time(1h), every tag), hourly → daily. Each
 * RESAMPLE run recomputes the buckets of its lookback, so the open hour and day stay current.
 */
function continuousQueries(database: string, every: string): { name: string; statement: string }[] {
  const steps: { into: RetentionPolicy; from: RetentionPolicy; interval: string; lookback: string }[] = [
    { into: 'hourly', from: 'raw', interval: '1h', lookback: LOOKBACK.hourly },
    { into: 'daily', from: 'hourly', interval: '1d', lookback: LOOKBACK.daily },
  ];
  return steps.flatMap((step) =>
    Object.entries(MEASUREMENTS).map(([measurement, fields]) => {
      const sums = fields.map((field) => `sum("${field}") AS "${field}"`).join(', ');
      const body =
        `RESAMPLE EVERY ${every} FOR ${step.lookback} BEGIN SELECT ${sums} ` +
        `INTO "${database}"."${step.into}"."${measurement}" FROM "${database}"."${step.from}"."${measurement}" ` +
        `GROUP BY time(${step.interval}), * END`;
      // The definition's hash is in the name: a changed definition is a new query, the old one is dropped.
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 8);
      const name = `${measurement}_${step.into}_${hash}`;
      return { name, statement: `CREATE CONTINUOUS QUERY "${name}" ON "${database}" ${body}` };
    }),
  );
}

const OUR_QUERY = new RegExp(`^(${Object.keys(MEASUREMENTS).join('|')})_(hourly|daily)_[0-9a-f]{8}$`);

/**
 * The database, its retention policies (raw is the default one) and continuous queries; safe to run
 * on every start and from several replicas (CREATE DATABASE is idempotent, the others are checked
 * first).
 */
export async function ensureSchema(
  influx: Influx,
  config: Pick<
    AnalyticsConfig,
    | 'ANALYTICS_RAW_RETENTION'
    | 'ANALYTICS_HOURLY_RETENTION'
    | 'ANALYTICS_DAILY_RETENTION'
    | 'ANALYTICS_ROLLUP_EVERY'
  >,
): Promise<void> {
  const database = influx.database;
  await influx.influxql(`CREATE DATABASE "${database}"`);
  const policies: { name: RetentionPolicy; duration: string; isDefault: boolean }[] = [
    { name: 'raw', duration: config.ANALYTICS_RAW_RETENTION, isDefault: true },
    { name: 'hourly', duration: config.ANALYTICS_HOURLY_RETENTION, isDefault: false },
    { name: 'daily', duration: config.ANALYTICS_DAILY_RETENTION, isDefault: false },
  ];
  const existing = new Set(
    (await influx.influxql(`SHOW RETENTION POLICIES ON "${database}"`)).flatMap((series) =>
      (series.values ?? []).map((row) => String(row[0])),
    ),
  );
  const statements = policies.map(({ name, duration, isDefault }) => {
    const verb = existing.has(name) ? 'ALTER' : 'CREATE';
    return `${verb} RETENTION POLICY "${name}" ON "${database}" DURATION ${duration} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`;
  });
  await influx.influxql(statements.join('; '));

  const wanted = continuousQueries(database, config.ANALYTICS_ROLLUP_EVERY);
  const present = (await influx.influxql('SHOW CONTINUOUS QUERIES'))
    .filter((series) => series.name === database)
    .flatMap((series) => (series.values ?? []).map((row) => String(row[0])));
  const wantedNames = new Set(wanted.map((query) => query.name));
  for (const name of present.filter((name) => OUR_QUERY.test(name) && !wantedNames.has(name)))
    await influx.influxql(`DROP CONTINUOUS QUERY "${name}" ON "${database}"`);
  for (const query of wanted.filter((query) => !present.includes(query.name))) {
    try {
      await influx.influxql(query.statement);
    } catch (error) {
      // Another replica created it in the meantime.
      if (!/already exists/.test((error as Error).message)) throw error;
    }
  }
}
