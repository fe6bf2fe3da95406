import { loadConfig } from '@aetherial/subgraph-kit';
import { z } from 'zod';

/**
 * The request series' own settings, read from the environment beside the gateway's: the store
 * variables are analytics' (one InfluxDB database holds every series of a graph), and the series
 * is written only when INFLUXDB_URL is set.
 */
export const requestSeriesConfigSchema = z.object({
  INFLUXDB_URL: z
    .string()
    .regex(/^https?:\/\/.+/, 'must be an http:// or https:// URL')
    .optional(),
  /** InfluxDB 1.x with auth on: `username:password`; empty when auth is off (development). */
  INFLUXDB_TOKEN: z.string().default(''),
  /** Analytics' database (it creates the database, its retention policies and rollups). */
  INFLUXDB_DATABASE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _')
    .default('aetherial'),
  /** How often each gateway process writes what it answered since the last write. */
  GATEWAY_REQUEST_SERIES_FLUSH_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
});

export type RequestSeriesConfig = z.infer<typeof requestSeriesConfigSchema>;

export const loadRequestSeriesConfig = (env: NodeJS.ProcessEnv = process.env): RequestSeriesConfig =>
  loadConfig(requestSeriesConfigSchema, env);
