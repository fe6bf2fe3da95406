/**
 * The gateway's own request series: every process counts the requests it answers (errors and
 * latency too) and writes them to InfluxDB as one point per window, off the request path, where
 * analytics serves them as `graphActivity` to admins. On when INFLUXDB_URL is set.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import type { Logger } from '@aetherial/subgraph-kit';
import { loadRequestSeriesConfig, type RequestSeriesConfig } from './config.js';
import { RequestWindow } from './request-window.js';

/** Points kept while InfluxDB is unreachable (the client retries them): an hour of 10 s windows. */
const MAX_BUFFERED_POINTS = 360;
const WARN_EVERY_MS = 60_000;

export interface RequestSeries {
  record: (durationMs: number, failed: boolean) => void;
  /** Writes the current window (if it holds a request) and waits for InfluxDB's answer. */
  flush: () => Promise<void>;
  stop: () => Promise<void>;
}

/** Counts into windows and writes one point per non-empty window, every GATEWAY_REQUEST_SERIES_FLUSH_MS. */
export function startRequestSeries(
  config: RequestSeriesConfig & { INFLUXDB_URL: string },
  log: Logger,
  processName = 'gateway',
): RequestSeries {
  const identity = `${hostname()}:${process.pid}:${processName}:${randomUUID()}`;
  let warned = 0;
  const warn = (error: unknown) => {
    if (Date.now() - warned < WARN_EVERY_MS) return;
    warned = Date.now();
    log.warn(
      { err: (error as Error).message },
      'request series: InfluxDB write failed (retried by the client)',
    );
  };
  const writer: WriteApi = new InfluxDB({
    url: config.INFLUXDB_URL.replace(/\/$/, ''),
    token: config.INFLUXDB_TOKEN,
    timeout: 5_000,
  }).getWriteApi('', `${config.INFLUXDB_DATABASE}/raw`, 'ns', {
    // Sent only by flush(); failed batches go to the client's retry buffer (bounded).
    flushInterval: 0,
    batchSize: MAX_BUFFERED_POINTS,
    maxBufferLines: MAX_BUFFERED_POINTS,
    maxRetries: 5,
    maxRetryDelay: 30_000,
    writeFailed: (error) => {
      warn(error);
    },
  });
  let window = new RequestWindow();
  let sequence = 0;
  const flush = async () => {
    const full = window;
    window = new RequestWindow();
    if (full.requests > 0) writer.writePoint(full.toPoint(Date.now(), `${identity}:${(sequence += 1)}`));
    await writer.flush().catch(warn);
  };
  const timer = setInterval(() => void flush(), config.GATEWAY_REQUEST_SERIES_FLUSH_MS);
  timer.unref();
  return {
    record: (durationMs, failed) => window.record(durationMs, failed),
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush();
      await writer.close().catch(warn);
    },
  };
}

export interface RequestSeriesHooks<TContext extends BaseContext> {
  plugins: ApolloServerPlugin<TContext>[];
  /** For answers served outside Apollo's pipeline (the cache-hit fast path). */
  record: (durationMs: number, failed: boolean) => void;
}

/**
 * The Apollo plugin that feeds the series (none without INFLUXDB_URL): it counts what the
 * gateway's metrics count (a request with errors in its response is an error) and starts and stops
 * the writer with the server.
 */
export function requestSeriesHooks<TContext extends BaseContext>(
  log: Logger,
  processName?: string,
  env: NodeJS.ProcessEnv = process.env,
): RequestSeriesHooks<TContext> {
  const config = loadRequestSeriesConfig(env);
  const url = config.INFLUXDB_URL;
  if (!url) return { plugins: [], record: () => {} };
  let series: RequestSeries | undefined;
  const plugins: ApolloServerPlugin<TContext>[] = [
    {
      async serverWillStart() {
        series = startRequestSeries({ ...config, INFLUXDB_URL: url }, log, processName);
        log.info(
          { database: config.INFLUXDB_DATABASE, everyMs: config.GATEWAY_REQUEST_SERIES_FLUSH_MS },
          'request series written to InfluxDB',
        );
        return {
          async serverWillStop() {
            await series?.stop();
          },
        };
      },
      async requestDidStart() {
        const started = performance.now();
        return {
          async willSendResponse({ response, errors }) {
            const all =
              errors ??
              (response.body.kind === 'single' ? response.body.singleResult.errors : undefined) ??
              [];
            series?.record(performance.now() - started, all.length > 0);
          },
        };
      },
    },
  ];
  return { plugins, record: (durationMs, failed) => series?.record(durationMs, failed) };
}
