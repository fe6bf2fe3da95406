import { randomBytes } from 'node:crypto';
import { deadLetterStream, eventFields, type DomainEvent } from '@aetherial/events';
import { Redis } from 'ioredis';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../src/config.js';
import { pino } from 'pino';
import { Influx, routeClientLog } from '../src/influx.js';

routeClientLog(pino({ level: 'silent' }));

/**
 * Every test file gets its own InfluxDB database, event stream and Redis key prefix (the database
 * name), dropped afterwards: runs of other helpers or the demo graph are never touched.
 */
export const newRunId = (): string => randomBytes(5).toString('hex');

export function testConfig(runId: string, overrides: Record<string, string> = {}): AnalyticsConfig {
  return loadAnalyticsConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ANALYTICS_PORT: '0',
    ANALYTICS_RECORDER: 'false',
    INFLUXDB_DATABASE: `analytics_test_${runId}`,
    EVENTS_STREAM: `aetherial:test:analytics:${runId}:events`,
    ...overrides,
  });
}

export const connectRedis = (config: AnalyticsConfig): Redis =>
  new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });

/** Drops the run's database, stream, dead letters and Redis keys. */
export async function dropRun(config: AnalyticsConfig): Promise<void> {
  const influx = new Influx(config);
  await influx.influxql(`DROP DATABASE "${config.INFLUXDB_DATABASE}"`).catch(() => undefined);
  const redis = connectRedis(config);
  try {
    await redis.del(config.EVENTS_STREAM, deadLetterStream(config.EVENTS_STREAM));
    const keys = await redis.keys(`analytics:${config.INFLUXDB_DATABASE}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export const publish = (redis: Redis, stream: string, events: readonly DomainEvent[]) => {
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.xadd(stream, '*', ...eventFields(event));
  return pipeline.exec();
};

let sequence = 0;

/** A domain event as the sources of truth write them; ids are hex like content's. */
export function event(
  type: string,
  entity: string,
  entityId: string,
  payload: Record<string, unknown>,
  occurredAt = new Date(),
  version = 1,
): DomainEvent {
  sequence += 1;
  return {
    eventId: `${randomBytes(8).toString('hex')}-${sequence}`,
    type,
    entity,
    entityId,
    version,
    occurredAt: occurredAt.toISOString(),
    payload,
  };
}

export const hexId = (): string => randomBytes(12).toString('hex');

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
