import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { deadLetterStream, startConsumer, type RunningConsumer } from '../src/consumer.js';
import { parseEventFields, type DomainEvent } from '../src/event.js';
import { eventPartitions, partitionOf, partitionStreams } from '../src/partitions.js';
import { startOutboxRelay, type Outbox } from '../src/relay.js';
import { clusterAddress, connectEventsRedis, oneNodeUrl } from '../src/redis-connection.js';
import { rewindGroup } from '../src/rewind-group.js';

/**
 * The event log split into partitions by entity, on the stack's Redis Cluster
 * (`npm run stack -- up redis-cluster`; `REDIS_CLUSTER_URL` names another). Skipped, saying so,
 * when it is not running.
 */
const clusterUrl = new URL(process.env.REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:7001');
const log = pino({ level: 'silent' });

async function connectCluster(): Promise<Cluster | string> {
  const cluster = new Cluster([{ host: clusterUrl.hostname, port: Number(clusterUrl.port || 7001) }], {
    clusterRetryStrategy: () => null,
    redisOptions: { connectTimeout: 1000, maxRetriesPerRequest: 0 },
  });
  cluster.on('error', () => undefined);
  try {
    await cluster.ping();
    return cluster;
  } catch (error) {
    cluster.disconnect();
    return (
      `partitioned event log on Redis Cluster skipped: no cluster at ${clusterUrl} (${(error as Error).message}); ` +
      'start it with: npm run stack -- up redis-cluster'
    );
  }
}

const connected = await connectCluster();
if (typeof connected === 'string') console.warn(connected);
const cluster = typeof connected === 'string' ? undefined : connected;

/** A subgraph's outbox in memory, oldest first (the relay's contract, without a database). */
class MemoryOutbox implements Outbox {
  private events: DomainEvent[] = [];

  commit(...events: DomainEvent[]): void {
    this.events.push(...events);
  }

  async pending(limit: number): Promise<DomainEvent[]> {
    return this.events.slice(0, limit);
  }

  async markPublished(eventIds: string[]): Promise<void> {
    const published = new Set(eventIds);
    this.events = this.events.filter((event) => !published.has(event.eventId));
  }

  get size(): number {
    return this.events.length;
  }
}

function event(entityId: string, version: number): DomainEvent {
  return {
    eventId: randomUUID(),
    type: 'PostUpdated',
    entity: 'Post',
    entityId,
    version,
    occurredAt: new Date().toISOString(),
    payload: { id: entityId, version },
  };
}

describe('partitions', () => {
  it('keeps one stream, named as before, when there is one partition', () => {
    expect(eventPartitions(undefined)).toBe(1);
    expect(partitionStreams('aetherial:events', 1)).toEqual(['aetherial:events']);
    expect(partitionOf('Post', '42', 1)).toBe(0);
  });

  it('names N hash-tagged streams and puts every event of an entity in one of them', () => {
    expect(partitionStreams('aetherial:events', 3)).toEqual([
      'aetherial:events:{p0}',
      'aetherial:events:{p1}',
      'aetherial:events:{p2}',
    ]);
    const used = new Set(Array.from({ length: 100 }, (_, i) => partitionOf('Post', `p${i}`, 3)));
    expect([...used].sort()).toEqual([0, 1, 2]);
    expect(partitionOf('Post', 'p7', 3)).toBe(partitionOf('Post', 'p7', 3));
  });

  it('refuses a partition count that is not a whole number, naming EVENTS_PARTITIONS', () => {
    for (const bad of ['0', '-2', '1.5', 'three'])
      expect(() => eventPartitions(bad)).toThrow(/EVENTS_PARTITIONS/);
  });
});

describe('the events Redis URL', () => {
  it('names one Redis (redis://) or a cluster (redis+cluster://, its seeds and credentials)', () => {
    expect(clusterAddress('redis://127.0.0.1:6379')).toBeNull();
    expect(
      clusterAddress('redis+cluster://app:s%40cret@10.0.0.1:7001?seeds=10.0.0.2:7002,10.0.0.3:7003'),
    ).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7001 },
        { host: '10.0.0.2', port: 7002 },
        { host: '10.0.0.3', port: 7003 },
      ],
      firstNodeUrl: 'redis://app:s%40cret@10.0.0.1:7001',
      username: 'app',
      password: 's@cret',
    });
    expect(oneNodeUrl('redis+cluster://10.0.0.1:7001?seeds=10.0.0.2:7002')).toBe('redis://10.0.0.1:7001');
    expect(oneNodeUrl('redis://10.0.0.1:6379/2')).toBe('redis://10.0.0.1:6379/2');
    expect(() => clusterAddress('redis+cluster://10.0.0.1:7001?seeds=nohost')).toThrow(
      /seed "nohost" is not host:port/,
    );
  });

  it('connects every process the same way: a plain client for redis://, the cluster client for redis+cluster://', () => {
    const single = connectEventsRedis('redis://127.0.0.1:6379', { lazyConnect: true });
    const clustered = connectEventsRedis('redis+cluster://127.0.0.1:7001', { lazyConnect: true });
    expect(single).toBeInstanceOf(Redis);
    expect(clustered).toBeInstanceOf(Cluster);
    single.disconnect();
    clustered.disconnect();
  });
});

describe.skipIf(!cluster)('a relay and a consumer connected by URL to the cluster', () => {
  it('publish and read the partitioned log through connectEventsRedis', async () => {
    const url = clusterUrl.toString();
    const stream = `events-test:by-url:${randomUUID()}`;
    const streams = partitionStreams(stream, 3);
    const publisher = connectEventsRedis(url, { maxRetriesPerRequest: 3 });
    const reader = connectEventsRedis(url, { maxRetriesPerRequest: null });
    const outbox = new MemoryOutbox();
    const events = Array.from({ length: 30 }, (_, n) => event(`entity-${n % 10}`, Math.floor(n / 10) + 1));
    outbox.commit(...events);
    const relay = startOutboxRelay({ outbox, redis: publisher, log, stream, partitions: 3, intervalMs: 20 });
    const seen: string[] = [];
    const consumer = await startConsumer({
      redis: reader,
      stream,
      partitions: 3,
      group: 'by-url',
      consumer: 'one',
      log,
      startFrom: '0',
      blockMs: 200,
      handle: async (batch) => {
        for (const delivered of batch) seen.push(delivered.eventId);
      },
    });
    try {
      await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(events.length);
      expect(new Set(seen)).toEqual(new Set(events.map((e) => e.eventId)));
    } finally {
      await consumer.stop();
      await relay.stop();
      for (const key of [...streams, ...streams.map(deadLetterStream)]) await cluster?.del(key);
      publisher.disconnect();
      reader.disconnect();
    }
  });
});

describe.skipIf(!cluster)('rewinding a consumer group on the cluster', () => {
  it('moves the group back to the start of every partition, so a read model rebuilt from the log sees every event again', async () => {
    const client = cluster!;
    const stream = `events-test:rewind:${randomUUID()}`;
    const streams = partitionStreams(stream, 3);
    const outbox = new MemoryOutbox();
    const events = Array.from({ length: 24 }, (_, n) => event(`entity-${n}`, 1));
    outbox.commit(...events);
    const relay = startOutboxRelay({ outbox, redis: client, log, stream, partitions: 3, intervalMs: 20 });
    await relay.flush();
    await relay.stop();
    const readAll = async () => {
      const seen: string[] = [];
      const consumer = await startConsumer({
        redis: client,
        stream,
        partitions: 3,
        group: 'projector',
        consumer: 'one',
        log,
        startFrom: '0',
        blockMs: 200,
        handle: async (batch) => {
          for (const delivered of batch) seen.push(delivered.eventId);
        },
      });
      await consumer.drained();
      await consumer.stop();
      return seen;
    };
    try {
      expect(new Set(await readAll())).toEqual(new Set(events.map((e) => e.eventId)));
      // Everything is acknowledged: without a rewind the group reads nothing more.
      expect(await readAll()).toEqual([]);
      const rewound = await rewindGroup(client, stream, 'projector', 3);
      expect(rewound.map((partition) => partition.stream)).toEqual(streams);
      expect(rewound.reduce((sum, partition) => sum + partition.entries, 0)).toBe(events.length);
      expect(new Set(await readAll())).toEqual(new Set(events.map((e) => e.eventId)));
    } finally {
      for (const key of [...streams, ...streams.map(deadLetterStream)]) await client.del(key);
    }
  });
});

describe.skipIf(!cluster)('partitioned event log on Redis Cluster', () => {
  const stream = `events-test:partitioned:${randomUUID()}`;
  const partitions = 3;
  const streams = partitionStreams(stream, partitions);
  const running: RunningConsumer[] = [];

  afterAll(async () => {
    await Promise.all(running.map((consumer) => consumer.stop()));
    for (const key of [...streams, ...streams.map(deadLetterStream)]) await cluster?.del(key);
    cluster?.disconnect();
  });

  it('delivers a burst over many entities to every group once, each entity in order', async () => {
    const client = cluster!;
    const entities = 150;
    const versionsEach = 20;
    /** Per group: the versions each entity's events arrived in. */
    const seen = new Map<string, Map<string, number[]>>();
    const eventIds = new Map<string, string[]>();
    // `search-indexer` runs one process: it must see each entity's events in order. `semantic-indexer`
    // runs two, as two replicas would: they share the entries, so only "all, once" holds for them
    // (the order between two processes is the version guard's business).
    const processes = { 'search-indexer': ['one'], 'semantic-indexer': ['one', 'two'] };
    for (const [group, consumers] of Object.entries(processes)) {
      seen.set(group, new Map());
      eventIds.set(group, []);
      for (const consumer of consumers)
        running.push(
          await startConsumer({
            redis: client,
            group,
            consumer,
            log,
            stream,
            partitions,
            startFrom: '0',
            batchSize: 50,
            blockMs: 200,
            handle: async (events) => {
              for (const e of events) {
                const byEntity = seen.get(group)!;
                byEntity.set(e.entityId, [...(byEntity.get(e.entityId) ?? []), e.version]);
                eventIds.get(group)!.push(e.eventId);
              }
            },
          }),
        );
    }

    const outbox = new MemoryOutbox();
    const relay = startOutboxRelay({ outbox, redis: client, log, stream, partitions, intervalMs: 20 });
    try {
      // The burst: every entity changes `versionsEach` times, the changes interleaved, committed
      // in chunks while the relay publishes.
      for (let version = 1; version <= versionsEach; version += 1) {
        outbox.commit(...Array.from({ length: entities }, (_, i) => event(`post-${i}`, version)));
        relay.nudge();
        if (version % 5 === 0) await relay.flush();
      }
      await relay.flush();
      expect(outbox.size).toBe(0);
    } finally {
      await relay.stop();
    }

    // Every partition got a share, on more than one master; together they hold the whole burst.
    const lengths = await Promise.all(streams.map((key) => client.xlen(key)));
    expect(lengths.every((length) => length > 0)).toBe(true);
    expect(lengths.reduce((sum, length) => sum + length, 0)).toBe(entities * versionsEach);
    const slots = await client.cluster('SLOTS');
    const masterOf = async (key: string) => {
      const slot = (await client.cluster('KEYSLOT', key)) as number;
      const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
      const [host, port] = range[2]!;
      return `${host}:${port}`;
    };
    expect(new Set(await Promise.all(streams.map(masterOf))).size).toBeGreaterThan(1);

    // In the log itself each entity's events are in order, all in one partition.
    const inOrder = Array.from({ length: versionsEach }, (_, i) => i + 1);
    const logged = new Map<string, { partition: number; versions: number[] }>();
    for (const [partition, key] of streams.entries())
      for (const [, fields] of await client.xrange(key, '-', '+')) {
        const e = parseEventFields(fields);
        const entry = logged.get(e.entityId) ?? { partition, versions: [] };
        expect(entry.partition, e.entityId).toBe(partition);
        entry.versions.push(e.version);
        logged.set(e.entityId, entry);
      }
    for (const [entityId, { versions }] of logged) expect(versions, entityId).toEqual(inOrder);

    await Promise.all(running.map((consumer) => consumer.drained()));
    for (const group of Object.keys(processes)) {
      const ids = eventIds.get(group)!;
      expect(ids, group).toHaveLength(entities * versionsEach);
      expect(new Set(ids).size, group).toBe(ids.length);
      expect(seen.get(group)!.size, group).toBe(entities);
    }
    for (const [entityId, versions] of seen.get('search-indexer')!)
      expect(versions, entityId).toEqual(inOrder);
  });

  it('loses no event when a master fails over to its replica during a burst', async () => {
    const client = cluster!;
    const failoverStream = `events-test:failover:${randomUUID()}`;
    const keys = partitionStreams(failoverStream, partitions);
    const entities = 60;
    const versionsEach = 30;
    const seenIds = new Set<string>();
    /** The newest version applied per entity, as a version guard keeps it (duplicates ignored). */
    const applied = new Map<string, number>();
    let outOfOrder = 0;
    const consumer = await startConsumer({
      redis: client,
      group: 'failover-reader',
      consumer: 'one',
      log,
      stream: failoverStream,
      partitions,
      startFrom: '0',
      batchSize: 50,
      blockMs: 200,
      handle: async (events) => {
        for (const e of events) {
          seenIds.add(e.eventId);
          const newest = applied.get(e.entityId) ?? 0;
          if (e.version <= newest) continue; // a redelivery after the failover
          if (e.version !== newest + 1) outOfOrder += 1;
          applied.set(e.entityId, e.version);
        }
      },
    });
    running.push(consumer);
    const outbox = new MemoryOutbox();
    const relay = startOutboxRelay({
      outbox,
      redis: client,
      log,
      stream: failoverStream,
      partitions,
      intervalMs: 20,
    });
    const published: string[] = [];
    try {
      // The master of partition 0 and its replica, from CLUSTER NODES.
      const slot = (await client.cluster('KEYSLOT', keys[0]!)) as number;
      const nodes = ((await client.cluster('NODES')) as string)
        .trim()
        .split('\n')
        .map((line) => line.split(' '));
      const ownsSlot = (fields: string[]) =>
        fields.slice(8).some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from! && slot <= to!;
        });
      const master = nodes.find((fields) => fields[2]!.includes('master') && ownsSlot(fields))!;
      const replica = nodes.find((fields) => fields[3] === master[0])!;
      expect(replica, 'the cluster has a replica of every master').toBeDefined();
      const [host, port] = replica[1]!.split('@')[0]!.split(':');
      const promote = async () => {
        // CLUSTER FAILOVER on the replica: the master stops taking writes, the replica catches up
        // and takes its slots over (what an operator or a failed master's replica election does).
        const admin = new Redis({ host, port: Number(port), lazyConnect: true });
        try {
          await admin.connect();
          await admin.call('CLUSTER', 'FAILOVER');
          for (let i = 0; i < 200; i += 1) {
            if (((await admin.call('ROLE')) as [string])[0] === 'master') return;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          throw new Error(`replica ${host}:${port} did not take over`);
        } finally {
          admin.disconnect();
        }
      };
      for (let version = 1; version <= versionsEach; version += 1) {
        const batch = Array.from({ length: entities }, (_, i) => event(`post-${i}`, version));
        published.push(...batch.map((e) => e.eventId));
        outbox.commit(...batch);
        relay.nudge();
        if (version === versionsEach / 2) await promote();
        if (version % 5 === 0) await relay.flush().catch(() => 0); // a flush during the switch may fail; the relay retries
      }
      for (let attempt = 0; attempt < 100 && outbox.size > 0; attempt += 1)
        await relay.flush().catch(() => new Promise((resolve) => setTimeout(resolve, 100)));
      expect(outbox.size).toBe(0);
    } finally {
      await relay.stop();
    }
    await consumer.drained();
    expect(published.filter((id) => !seenIds.has(id))).toEqual([]);
    expect(outOfOrder).toBe(0);
    expect([...applied.values()].every((version) => version === versionsEach)).toBe(true);
    for (const key of [...keys, ...keys.map(deadLetterStream)]) await client.del(key);
  });
});
