import type { Logger } from 'pino';
import { claimPartitionLayout } from './partition-layout.js';
import { eventsStream, parseEventFields, type DomainEvent } from './event.js';
import { eventPartitions, partitionStreams, type EventsRedis } from './partitions.js';

export interface ConsumerOptions {
  redis: EventsRedis;
  /** Consumer group: one per read model (`search-indexer`, `semantic-indexer`, ...). */
  group: string;
  /** This process's name inside the group; a restarted process may reuse it. */
  consumer: string;
  /**
   * Applies a batch of events to the read model. Must be idempotent (at-least-once delivery) and
   * guarded by entity version. Throwing fails the whole batch; it is retried one event at a time.
   */
  handle: (events: DomainEvent[]) => Promise<void>;
  log: Logger;
  stream?: string;
  /**
   * Streams the log is split into (default `EVENTS_PARTITIONS`, else 1): the group reads every
   * partition, each in a loop of its own, so one entity's events (one partition) are handled in
   * order while different partitions' batches may be handled side by side.
   */
  partitions?: number;
  batchSize?: number;
  blockMs?: number;
  /** Deliveries before an event goes to the dead-letter stream with the failure reason. */
  maxDeliveries?: number;
  /**
   * Tells an outage of the read model's store (down, restarting, overloaded) from a failure of the
   * events themselves. A transient failure is retried with backoff for as long as it lasts, counts
   * no delivery towards `maxDeliveries` and acknowledges nothing; no later entry is read meanwhile,
   * so the consumer lag shows the outage. Anything else counts as before. An error about the event
   * itself must not be called transient: that event would hold the read model up forever.
   */
  isTransient?: (error: unknown) => boolean;
  /** Cap of the backoff between retries, of a failing event and while the store is unavailable. */
  maxRetryDelayMs?: number;
  /** Pending entries idle this long belonged to a crashed consumer and are claimed. */
  claimIdleMs?: number;
  /** Start a new group at the beginning of the stream ('0', replay) or only new events ('$'). */
  startFrom?: '0' | '$';
}

export interface RunningConsumer {
  stop: () => Promise<void>;
  /** Resolves once every event currently in the stream has been handled and acknowledged. */
  drained: () => Promise<void>;
  /** Events in the stream not yet delivered to this group, plus delivered but unacknowledged. */
  lag: () => Promise<number>;
}

type StreamEntry = [id: string, fields: string[]];

/** How far `lag()` counts undelivered entries itself when Redis reports none (enough to say "not drained"). */
const UNKNOWN_LAG_COUNT_LIMIT = 10_000;

export const deadLetterStream = (stream: string): string => `${stream}:dead`;

/** Creates the consumer group at `startFrom` (and the stream) unless it exists. */
export async function ensureGroup(
  redis: EventsRedis,
  stream: string,
  group: string,
  startFrom: string,
): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, startFrom, 'MKSTREAM');
  } catch (error) {
    if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
  }
}

/**
 * A Redis Streams consumer-group loop: reads new entries, reclaims entries a crashed consumer left
 * pending, acknowledges only after `handle` succeeded, and moves an entry that keeps failing to the
 * dead-letter stream (with the reason) so one poison event does not stop the read model. Failures
 * `isTransient` calls an outage of the store are waited out instead: they never dead-letter.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const stream = options.stream ?? eventsStream();
  const partitions = options.partitions ?? eventPartitions();
  // A consumer of another layout than the log's would miss the partitions it does not know.
  await claimPartitionLayout(options.redis, stream, partitions);
  const streams = partitionStreams(stream, partitions);
  if (streams.length === 1) return startStreamConsumer(options, streams[0]!);
  const consumers = await Promise.all(streams.map((stream) => startStreamConsumer(options, stream)));
  return {
    lag: async () => (await Promise.all(consumers.map((c) => c.lag()))).reduce((sum, lag) => sum + lag, 0),
    drained: async () => {
      await Promise.all(consumers.map((c) => c.drained()));
    },
    stop: async () => {
      await Promise.all(consumers.map((c) => c.stop()));
    },
  };
}

/** The consumer-group loop of one stream (one partition of the log). */
async function startStreamConsumer(options: ConsumerOptions, stream: string): Promise<RunningConsumer> {
  const {
    redis: shared,
    group,
    consumer,
    handle,
    log,
    batchSize = 200,
    blockMs = 1000,
    maxDeliveries = 5,
    isTransient = () => false,
    maxRetryDelayMs = 5000,
    claimIdleMs = 10_000,
    startFrom = '0',
  } = options;
  // XREADGROUP BLOCK holds its connection; give the loop its own.
  const redis = shared.duplicate();
  // Connection errors surface as failed commands in the loop below; this only keeps them out of stderr.
  redis.on('error', (error: Error) => log.debug({ err: error.message, group }, 'consumer connection error'));
  await ensureGroup(redis, stream, group, startFrom);
  let stopped = false;
  const failures = new Map<string, number>();
  /** The store outage being waited out, if any: logged when it starts and when it ends. */
  let outage: { since: number; retries: number } | undefined;
  let wake: () => void = () => undefined;
  /** A wait that stop() cuts short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const endOutage = () => {
    if (!outage) return;
    log.info(
      { group, retries: outage.retries, ms: Date.now() - outage.since },
      'store available again; consuming',
    );
    outage = undefined;
  };

  /**
   * Calls `handle` until it succeeds (true) or fails for a reason that is not transient (thrown),
   * waiting out a store outage with capped backoff; false when stopped during the outage.
   */
  const handleThroughOutage = async (events: DomainEvent[], ids: string[]): Promise<boolean> => {
    for (;;) {
      try {
        await handle(events);
        endOutage();
        return true;
      } catch (error) {
        if (!isTransient(error)) {
          endOutage(); // the store answered; the events are at fault
          throw error;
        }
        if (!outage) {
          outage = { since: Date.now(), retries: 0 };
          log.warn({ err: error, group }, 'store unavailable; events wait in the stream until it is back');
        }
        outage.retries += 1;
        if (stopped) return false;
        await pause(Math.min(maxRetryDelayMs, 100 * 2 ** outage.retries));
        if (stopped) return false;
        // Alive, only waiting: reset the entries' idle time so no other consumer claims them.
        if (ids.length > 0)
          await redis.xclaim(stream, group, consumer, 0, ...ids, 'JUSTID').catch(() => undefined);
      }
    }
  };

  const deadLetter = async (entry: StreamEntry, reason: string) => {
    await redis
      .multi()
      .xadd(
        deadLetterStream(stream),
        '*',
        'group',
        group,
        'sourceId',
        entry[0],
        'reason',
        reason,
        ...entry[1],
      )
      .xack(stream, group, entry[0])
      .exec();
    log.error({ entryId: entry[0], group, reason }, 'event moved to the dead-letter stream');
  };

  const processEntries = async (entries: StreamEntry[]) => {
    if (entries.length === 0) return;
    const parsed: { entry: StreamEntry; event: DomainEvent }[] = [];
    for (const entry of entries) {
      try {
        parsed.push({ entry, event: parseEventFields(entry[1]) });
      } catch (error) {
        await deadLetter(entry, `unreadable event: ${(error as Error).message}`);
      }
    }
    const ids = parsed.map((p) => p.entry[0]);
    try {
      if (
        !(await handleThroughOutage(
          parsed.map((p) => p.event),
          ids,
        ))
      )
        return;
      if (parsed.length > 0) await redis.xack(stream, group, ...ids);
      return;
    } catch (error) {
      log.warn({ err: error, group, batch: parsed.length }, 'batch failed; retrying its events one by one');
    }
    for (const { entry, event } of parsed) {
      if (stopped) return; // unacknowledged entries stay pending for the next start
      try {
        if (!(await handleThroughOutage([event], [entry[0]]))) return;
        await redis.xack(stream, group, entry[0]);
        failures.delete(entry[0]);
      } catch (error) {
        const count = (failures.get(entry[0]) ?? 0) + 1;
        failures.set(entry[0], count);
        if (count >= maxDeliveries) {
          failures.delete(entry[0]);
          await deadLetter(entry, (error as Error).message);
        } else {
          log.warn({ err: error, entryId: entry[0], attempt: count }, 'event failed; will retry');
          await pause(Math.min(maxRetryDelayMs, 100 * 2 ** count));
        }
      }
    }
  };

  const readPendingOfMine = async (): Promise<StreamEntry[]> => {
    const reply = (await redis.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      batchSize,
      'STREAMS',
      stream,
      '0',
    )) as [string, StreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  };

  const claimAbandoned = async (): Promise<StreamEntry[]> => {
    const reply = (await redis.xautoclaim(
      stream,
      group,
      consumer,
      claimIdleMs,
      '0-0',
      'COUNT',
      batchSize,
    )) as [string, StreamEntry[]];
    return (reply[1] ?? []).filter((entry) => entry[1] !== null);
  };

  const readNew = async (): Promise<StreamEntry[]> => {
    const reply = (await redis.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      batchSize,
      'BLOCK',
      blockMs,
      'STREAMS',
      stream,
      '>',
    )) as [string, StreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  };

  const loop = (async () => {
    // First what this consumer name left unacknowledged before a crash, then the others' leftovers.
    for (
      let pending = await readPendingOfMine();
      pending.length > 0 && !stopped;
      pending = await readPendingOfMine()
    ) {
      await processEntries(pending);
      if (failures.size > 0) break;
    }
    let lastClaim = 0;
    while (!stopped) {
      try {
        if (Date.now() - lastClaim > claimIdleMs / 2) {
          lastClaim = Date.now();
          await processEntries(await claimAbandoned());
        }
        await processEntries(await readNew());
        if (failures.size > 0) await processEntries(await readPendingOfMine());
      } catch (error) {
        if (stopped) break;
        if (String((error as Error).message).includes('NOGROUP')) {
          // The stream or the group was deleted under us (FLUSHALL, a reset): recreate and go on.
          log.warn({ group, stream }, 'consumer group missing; recreating it');
          await ensureGroup(redis, stream, group, startFrom).catch(() => undefined);
          continue;
        }
        log.warn({ err: error, group }, 'consumer loop error; retrying in 1s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  const lag = async (): Promise<number> => {
    const groups = (await shared.xinfo('GROUPS', stream)) as (string | number | null)[][];
    for (const info of groups) {
      const fields = new Map<string, string | number | null>();
      for (let i = 0; i < info.length - 1; i += 2) fields.set(String(info[i]), info[i + 1] ?? null);
      if (fields.get('name') !== group) continue;
      const pending = Number(fields.get('pending') ?? 0);
      const reported = fields.get('lag');
      if (reported !== null && reported !== undefined) return Number(reported) + pending;
      // Redis reports no lag when it cannot tell (after a failover to a replica, a trim or a
      // deletion): count what lies past the group's last delivered entry instead (up to a limit).
      const undelivered = await shared.xrange(
        stream,
        `(${String(fields.get('last-delivered-id') ?? '0-0')}`,
        '+',
        'COUNT',
        UNKNOWN_LAG_COUNT_LIMIT,
      );
      return undelivered.length + pending;
    }
    return 0;
  };

  return {
    lag,
    drained: async () => {
      while ((await lag()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    stop: async () => {
      stopped = true;
      wake();
      await loop;
      redis.disconnect();
    },
  };
}
