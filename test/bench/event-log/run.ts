/**
 * Event-log throughput benchmark (not a test: nothing here asserts on timing).
 *
 *   npm run bench:event-log -w test -- [--events 100000] [--groups 3]
 *
 * On a private Redis (one redis-server): the outbox relay publishes `--events` events (from an
 * in-memory outbox, batches of 500, pipelined XADD) while `--groups` consumer groups read them
 * (batches of 200, a handler that does nothing) and acknowledge. Measured twice, with the relay's
 * housekeeping trimming every second and with it off: events/s published, events/s until every group
 * has acknowledged everything, the longest stream seen and the length left at the end. Then, when
 * the stack's Redis Cluster runs (`npm run stack -- up redis-cluster`; `REDIS_CLUSTER_URL`), the
 * same with trimming on the cluster, the log in `--partitions` (3) partitions.
 * Prints a markdown table and writes it to test/bench/results/event-log-<ISO time>.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import {
  partitionLayoutKey,
  connectEventsRedis,
  partitionStreams,
  startConsumer,
  startOutboxRelay,
  type DomainEvent,
  type EventsRedis,
  type EventLogHousekeeping,
  type Outbox,
} from '../../../packages/events/src/index.js';
import { startTestRedis } from '../../../gateway/test/fixtures/redis-server.js';
import { describeMachine, markdownTable } from '../report.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    groups: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '3' },
  },
});
const total = Number(values.events);
const groupCount = Number(values.groups);
const log = pino({ level: 'silent' });

class MemoryOutbox implements Outbox {
  private next = 0;
  constructor(private readonly events: DomainEvent[]) {}
  async pending(limit: number): Promise<DomainEvent[]> {
    return this.events.slice(this.next, this.next + limit);
  }
  async markPublished(eventIds: string[]): Promise<void> {
    this.next += eventIds.length;
  }
}

const makeEvents = (): DomainEvent[] =>
  Array.from({ length: total }, (_, i) => ({
    eventId: randomUUID(),
    type: 'PostUpdated',
    entity: 'Post',
    entityId: `post-${i % 1000}`,
    version: i + 1,
    occurredAt: new Date().toISOString(),
    payload: { id: `post-${i % 1000}`, title: `title ${i}`, tags: ['bench'], status: 'PUBLISHED' },
  }));

async function run(redis: EventsRedis, backend: string, trimming: boolean, partitions = 1) {
  const stream = `aetherial:bench:event-log:${randomUUID()}`;
  const streams = partitionStreams(stream, partitions);
  const length = async () =>
    (await Promise.all(streams.map((key) => redis.xlen(key)))).reduce((a, b) => a + b, 0);
  const housekeeping: EventLogHousekeeping | undefined = trimming
    ? { intervalMs: 1000, deadLetterRetentionMs: 3_600_000, outboxRetentionMs: 0, outboxPurgeBatch: 1000 }
    : undefined;
  let handled = 0;
  const consumers = await Promise.all(
    Array.from({ length: groupCount }, (_, g) =>
      startConsumer({
        redis,
        stream,
        partitions,
        log,
        group: `bench-${g}`,
        consumer: 'c1',
        handle: async (events) => void (handled += events.length),
      }),
    ),
  );
  const events = makeEvents();
  let longest = 0;
  const sampler = setInterval(() => {
    void length().then((now) => (longest = Math.max(longest, now)));
  }, 100);
  const started = performance.now();
  const relay = startOutboxRelay({
    outbox: new MemoryOutbox(events),
    redis,
    log,
    stream,
    partitions,
    housekeeping,
  });
  await relay.flush();
  const published = performance.now();
  // Every group has read and acknowledged everything (lag and pending both 0).
  while (handled < total * groupCount) await new Promise((resolve) => setTimeout(resolve, 20));
  await Promise.all(consumers.map((consumer) => consumer.drained()));
  const acknowledged = performance.now();
  clearInterval(sampler);
  if (trimming) await relay.housekeep();
  const left = await length();
  await relay.stop();
  await Promise.all(consumers.map((consumer) => consumer.stop()));
  for (const key of streams) await redis.del(key, `${key}:dead`);
  await redis.del(partitionLayoutKey(stream));
  return {
    'Redis, partitions': `${backend}, ${partitions}`,
    trimming: trimming ? 'every 1 s' : 'off',
    'published events/s': Math.round(total / ((published - started) / 1000)),
    'acknowledged by every group, events/s': Math.round(total / ((acknowledged - started) / 1000)),
    'longest stream seen': Math.max(longest, left),
    'stream length at the end': left,
  };
}

const server = await startTestRedis();
const redis = new Redis(server.url, { maxRetriesPerRequest: null });
try {
  const load = loadavg()[0]!.toFixed(1);
  const rows = [await run(redis, 'one redis-server', true), await run(redis, 'one redis-server', false)];
  const clusterUrl = process.env.REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:7001';
  const cluster = connectEventsRedis(clusterUrl, { maxRetriesPerRequest: null });
  cluster.on('error', () => undefined);
  const clusterUp = await Promise.race([
    cluster.ping().then(() => true),
    new Promise<boolean>((done) => setTimeout(() => done(false), 3000)),
  ]);
  if (clusterUp) rows.push(await run(cluster, '3-master cluster', true, Number(values.partitions)));
  else console.warn(`no Redis Cluster at ${clusterUrl}: start it with npm run stack -- up redis-cluster`);
  cluster.disconnect();
  const head = Object.keys(rows[0]!);
  const table = markdownTable(
    head,
    rows.map((row) => Object.values(row).map(String)),
  );
  const machine = describeMachine();
  const report = [
    `# Event log: ${total} events, ${groupCount} consumer groups, one Redis and the stack's Redis Cluster`,
    '',
    `${machine.cpus} × ${machine.cpuModel}`,
    `Load average (1 min) at start: ${load}, of 2 cores: other work was running on this machine.`,
    '',
    table,
    '',
  ].join('\n');
  console.log(report);
  const dir = join(repoRoot, 'test/bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `event-log-${new Date().toISOString().replaceAll(':', '-')}.md`), report);
} finally {
  redis.disconnect();
  await server.stop();
}
