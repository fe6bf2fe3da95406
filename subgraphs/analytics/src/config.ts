import { hostname } from 'node:os';
import { envFlag, loadConfig, subgraphConfig } from '@aetherial/subgraph-kit';
import { DEFAULT_EVENTS_STREAM } from '@aetherial/events';
import { z } from 'zod';

/** An InfluxQL duration literal: `30d`, `52w`, `1h`, or `INF` (kept for ever). */
const influxDuration = z
  .string()
  .regex(/^(\d+(ns|u|ms|s|m|h|d|w)|INF)$/, 'must be an InfluxQL duration such as 30d, 52w, 1h or INF');

/** ANALYTICS_HOST, ANALYTICS_PORT (4006), ANALYTICS_ALLOW_UNSIGNED and the kit's settings, plus: */
export const analyticsConfigSchema = subgraphConfig('analytics', 4006, {
  INFLUXDB_URL: z
    .string()
    .regex(/^https?:\/\/.+/, 'must be an http:// or https:// URL')
    .default('http://127.0.0.1:8086'),
  /** InfluxDB 1.x with auth on: `username:password`; empty when auth is off (development). */
  INFLUXDB_TOKEN: z.string().default(''),
  /** The database of the points, its retention policies and continuous queries. */
  INFLUXDB_DATABASE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _')
    .default('aetherial'),
  /** How long raw points are kept (the MINUTE interval reads them). */
  ANALYTICS_RAW_RETENTION: influxDuration.default('30d'),
  /** How long the hourly rollup is kept (the HOUR interval). */
  ANALYTICS_HOURLY_RETENTION: influxDuration.default('52w'),
  /** How long the daily rollup is kept (the DAY interval and totals older than two days). */
  ANALYTICS_DAILY_RETENTION: influxDuration.default('INF'),
  /** How often the continuous queries recompute the recent rollups (RESAMPLE EVERY). */
  ANALYTICS_ROLLUP_EVERY: influxDuration.default('1m'),
  /** Runs the recorder of domain events in this process. */
  ANALYTICS_RECORDER: envFlag(true),
  EVENTS_STREAM: z.string().min(1).default(DEFAULT_EVENTS_STREAM),
  ANALYTICS_RECORDER_GROUP: z.string().min(1).default('analytics-recorder'),
  /** Stable per replica, so a restarted replica resumes its own pending entries first. */
  ANALYTICS_RECORDER_CONSUMER: z.string().min(1).default(`analytics-${hostname()}`),
  /** A viewer's repeated view of a post within this many seconds counts once. */
  ANALYTICS_VIEW_DEDUPE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(1800),
  /** Views one viewer may report per minute (the whole batch is refused beyond). */
  ANALYTICS_VIEWS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
});

export type AnalyticsConfig = z.infer<typeof analyticsConfigSchema>;

export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env): AnalyticsConfig {
  return loadConfig(analyticsConfigSchema, env);
}
