import {
  HttpError,
  InfluxDB,
  RequestTimedOutError,
  setLogger,
  type ParameterizedQuery,
  type Point,
  type Transport,
} from '@influxdata/influxdb-client';
import type { Logger, StoreRequestCounter } from '@aetherial/subgraph-kit';
import type { AnalyticsConfig } from './config.js';

/** The retention policies of the database: raw points and InfluxDB's own rollups of them. */
export type RetentionPolicy = 'raw' | 'hourly' | 'daily';

interface InfluxqlResponse {
  results?: {
    statement_id?: number;
    error?: string;
    series?: { name?: string; columns: string[]; values?: unknown[][] }[];
  }[];
  error?: string;
}

export type InfluxqlSeries = NonNullable<NonNullable<InfluxqlResponse['results']>[number]['series']>[number];

/** Counts every HTTP request the client sends: one call of the transport is one round trip. */
function countingTransport(inner: Transport, requests: StoreRequestCounter | undefined): Transport {
  if (!requests) return inner;
  return {
    send: (path, body, options, callbacks) => {
      requests.inc();
      inner.send(path, body, options, callbacks);
    },
    request: (path, body, options, responseStarted) => {
      requests.inc();
      return inner.request(path, body, options, responseStarted);
    },
    iterate: (path, body, options) => {
      requests.inc();
      return inner.iterate(path, body, options);
    },
    get chunkCombiner() {
      return inner.chunkCombiner;
    },
  };
}

/**
 * The one door to InfluxDB, through the official client (@influxdata/influxdb-client) on the
 * v2-compatible API of InfluxDB 1.8+: points are written with `/api/v2/write` into
 * `<database>/<retention policy>` buckets and read with Flux; InfluxQL (`/query`, through the same
 * client transport) only sets up the database, retention policies and continuous queries.
 * `store_requests_total{store="influxdb"}` counts each HTTP request at the transport.
 */
export class Influx {
  readonly database: string;
  private readonly client: InfluxDB;

  constructor(
    config: Pick<AnalyticsConfig, 'INFLUXDB_URL' | 'INFLUXDB_TOKEN' | 'INFLUXDB_DATABASE'>,
    requests?: StoreRequestCounter,
  ) {
    this.database = config.INFLUXDB_DATABASE;
    const options = {
      url: config.INFLUXDB_URL.replace(/\/$/, ''),
      token: config.INFLUXDB_TOKEN,
      timeout: 10_000,
    };
    const plain = new InfluxDB(options);
    this.client = new InfluxDB({ ...options, transport: countingTransport(plain.transport, requests) });
  }

  bucket(policy: RetentionPolicy): string {
    return `${this.database}/${policy}`;
  }

  /** One Flux query (one round trip); values are interpolated by the client's `flux` template. */
  query<Row>(query: ParameterizedQuery): Promise<Row[]> {
    return this.client.getQueryApi('').collectRows<Row>(query);
  }

  /**
   * Writes the points in one request, nanosecond precision. A point with the series and time of
   * one already stored replaces it: that is what makes a redelivered event count once.
   */
  async write(policy: RetentionPolicy, points: readonly Point[]): Promise<void> {
    if (points.length === 0) return;
    const writer = this.client.getWriteApi('', this.bucket(policy), 'ns', {
      batchSize: points.length + 1,
      flushInterval: 0,
      // The caller decides: the recorder waits an outage out, a mutation reports it.
      maxRetries: 0,
      maxBufferLines: points.length + 1,
    });
    writer.writePoints([...points]);
    await writer.close();
  }

  /** InfluxQL statements for the schema (CREATE DATABASE, RETENTION POLICY, CONTINUOUS QUERY), never user input. */
  async influxql(statement: string): Promise<InfluxqlSeries[]> {
    const body = new URLSearchParams({ q: statement, db: this.database }).toString();
    const response = (await this.client.transport.request('/query', body, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })) as InfluxqlResponse;
    if (response.error) throw new Error(`InfluxQL failed: ${response.error}`);
    const failed = response.results?.find((result) => result.error);
    if (failed) throw new Error(`InfluxQL failed: ${failed.error} (in: ${statement.slice(0, 200)})`);
    return (response.results ?? []).flatMap((result) => result.series ?? []);
  }

  /** Readiness: a real query of this database's retention policies. */
  async ping(): Promise<void> {
    await this.influxql(`SHOW RETENTION POLICIES ON "${this.database}"`);
  }
}

const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/**
 * InfluxDB down, restarting or overloaded (connection refused or reset, a time-out, 5xx, 429):
 * the recorder waits these out. A 4xx other than 429 is about the request itself.
 */
export function isInfluxOutage(error: unknown): boolean {
  if (error instanceof RequestTimedOutError) return true;
  if (error instanceof HttpError) return error.statusCode >= 500 || error.statusCode === 429;
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && transientCodes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The client logs every failed request to the console itself; callers here log failures once (the
 * recorder an outage's start and end), so the client's own lines go to debug. Process-wide, as the
 * client's logger is.
 */
export function routeClientLog(log: Logger): void {
  setLogger({
    error: (message, error) => log.debug({ err: error }, `influxdb client: ${message}`),
    warn: (message, error) => log.debug({ err: error }, `influxdb client: ${message}`),
  });
}
