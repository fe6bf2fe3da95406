import type { Logger } from 'pino';
import { eventFields, eventsStream, type DomainEvent } from './event.js';
import { trimEventLog, type EventLogTrimResult } from './event-log-trim.js';
import { claimPartitionLayout } from './partition-layout.js';
import { eventPartitions, partitionOf, partitionStreams, type EventsRedis } from './partitions.js';

/** How long a relay trusts its last check that the log still has its partition count. */
const LAYOUT_CHECK_MS = 10_000;

/** Where a subgraph keeps events written in the same transaction as its changes. */
export interface Outbox {
  /** Oldest unpublished events first, at most `limit`. */
  pending(limit: number): Promise<DomainEvent[]>;
  markPublished(eventIds: string[]): Promise<void>;
  /**
   * Deletes events published before `publishedBefore`, in batches of `batchSize` (never one huge
   * delete); returns how many went. Never touches an unpublished event. Optional: an outbox that
   * deletes events as soon as they are published has nothing to purge.
   */
  purgePublished?(publishedBefore: Date, batchSize: number): Promise<number>;
}

/** Keeping the event log and the outbox bounded; the relay runs it every `intervalMs`. */
export interface EventLogHousekeeping {
  /** How often (ms); 0 turns housekeeping off. */
  intervalMs: number;
  /** Dead letters are kept this long (ms). */
  deadLetterRetentionMs: number;
  /** Published outbox events are kept this long (ms) before `purgePublished` deletes them. */
  outboxRetentionMs: number;
  /** Rows per purge delete. */
  outboxPurgeBatch: number;
  /** A stream still longer than this after trimming is logged with the group holding it back. */
  warnLength?: number;
}

export interface HousekeepingResult extends EventLogTrimResult {
  outboxPurged: number;
}

export interface RelayOptions {
  outbox: Outbox;
  redis: EventsRedis;
  log: Logger;
  /** Poll interval while events are coming in, and the shortest gap between two polls (100 ms). */
  intervalMs?: number;
  /**
   * Longest poll interval when idle (1000 ms): after each empty poll the interval doubles from
   * `intervalMs` up to this. It bounds how late a write nobody nudged for (another instance, a
   * seed, a relay that was backing off) is published.
   */
  idleIntervalMs?: number;
  /** How long after `nudge()` the relay keeps polling every `intervalMs` (1000 ms). */
  nudgeWindowMs?: number;
  batchSize?: number;
  stream?: string;
  /** Streams the log is split into by entity (default `EVENTS_PARTITIONS`, else 1: `stream` alone). */
  partitions?: number;
  /** Trims the stream and purges the outbox on a timer (see EventLogHousekeeping); off when absent. */
  housekeeping?: EventLogHousekeeping;
}

export interface RunningRelay {
  /** Publishes everything pending now (used by tests and on shutdown). */
  flush: () => Promise<number>;
  /**
   * "A write just recorded events": polls now (or `intervalMs` after the last poll, if that was
   * more recent) and keeps polling every `intervalMs` for `nudgeWindowMs`, so a nudge sent before
   * the writer's transaction committed still gets the event out fast. Does not shorten the backoff
   * after a failure. Cheap: call it after every write that recorded events.
   */
  nudge: () => void;
  /** Runs housekeeping now (tests; it also runs on its timer). Null when it is off. */
  housekeep: () => Promise<HousekeepingResult | null>;
  stop: () => Promise<void>;
}

interface Sleep {
  /** When the relay went to sleep (its last poll ended then). */
  since: number;
  /** When it wakes up. */
  until: number;
  timer: ReturnType<typeof setTimeout>;
  /** False while backing off after a failure: nudges do not cut that short. */
  nudgeable: boolean;
  wake: () => void;
}

/**
 * Publishes the outbox to Redis Streams. An event is marked published only after XADD succeeded,
 * so a crash in between publishes it again: delivery is at-least-once and consumers deduplicate by
 * entity version. One relay per subgraph instance; it runs batches one at a time, in order.
 *
 * Polling adapts to the traffic: it sleeps `intervalMs` after a round that found events or within
 * `nudgeWindowMs` of a `nudge()`; otherwise the sleep doubles with each empty round up to
 * `idleIntervalMs`. It never sleeps less than `intervalMs` between rounds, however many writers nudge.
 */
export function startOutboxRelay({
  outbox,
  redis,
  log,
  intervalMs = 100,
  idleIntervalMs = 1000,
  nudgeWindowMs = 1000,
  batchSize = 500,
  stream = eventsStream(),
  partitions = eventPartitions(),
  housekeeping,
}: RelayOptions): RunningRelay {
  const streams = partitionStreams(stream, partitions);
  const longestIdleMs = Math.max(intervalMs, idleIntervalMs);
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  let failures = 0;
  /** The last sleep after an empty round; doubles with each one, back to `intervalMs` on events. */
  let idleMs = intervalMs;
  /** Until when a nudge keeps the relay at `intervalMs`. */
  let fastUntil = 0;
  let sleeping: Sleep | undefined;

  const sleep = (ms: number, nudgeable: boolean) =>
    new Promise<void>((resolve) => {
      const since = Date.now();
      const wake = () => {
        clearTimeout(current.timer);
        if (sleeping === current) sleeping = undefined;
        resolve();
      };
      const current: Sleep = { since, until: since + ms, timer: setTimeout(wake, ms), nudgeable, wake };
      sleeping = current;
    });

  let layoutCheckedAt = Number.NEGATIVE_INFINITY;
  const publishBatch = async (): Promise<number> => {
    const events = await outbox.pending(batchSize);
    if (events.length === 0) return 0;
    // Never publish into a layout the log does not have (its count was changed by
    // setPartitionLayout): the events stay in the outbox, the failure logged, until they agree.
    if (Date.now() - layoutCheckedAt > LAYOUT_CHECK_MS) {
      await claimPartitionLayout(redis, stream, partitions);
      layoutCheckedAt = Date.now();
    }
    // Each entity's events to its partition, in outbox order; one pipeline per partition (a
    // cluster pipeline must stay on one slot). Marked published only once every partition took
    // its share: a failure republishes the batch (at-least-once, consumers deduplicate).
    const byPartition = new Map<number, DomainEvent[]>();
    for (const event of events) {
      const partition = partitionOf(event.entity, event.entityId, streams.length);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), event]);
    }
    await Promise.all(
      [...byPartition].map(async ([partition, share]) => {
        const pipeline = redis.pipeline();
        for (const event of share) pipeline.xadd(streams[partition]!, '*', ...eventFields(event));
        const results = await pipeline.exec();
        const failed = results?.find(([error]) => error);
        if (failed) throw failed[0];
      }),
    );
    await outbox.markPublished(events.map((event) => event.eventId));
    return events.length;
  };

  const flush = (): Promise<number> => {
    running = running.then(async () => {
      let total = 0;
      for (let published = await publishBatch(); published > 0; published = await publishBatch())
        total += published;
      return total;
    });
    return running;
  };

  const housekeepOnce = async (): Promise<HousekeepingResult | null> => {
    if (!housekeeping || housekeeping.intervalMs <= 0) return null;
    const trims: EventLogTrimResult[] = [];
    for (const partition of streams) {
      const result = await trimEventLog(redis, {
        stream: partition,
        deadLetterRetentionMs: housekeeping.deadLetterRetentionMs,
      });
      trims.push(result);
      if (result.slowest && result.length > (housekeeping.warnLength ?? 1_000_000))
        log.warn(
          {
            stream: partition,
            length: result.length,
            group: result.slowest.group,
            needsFrom: result.slowest.needsFrom,
          },
          'event stream stays long: a consumer group is far behind (or gone; delete its group)',
        );
    }
    // One partition: its result as it is. Several: the sums, and the slowest group of the longest.
    const longest = trims.reduce((a, b) => (b.length > a.length ? b : a));
    const trim: EventLogTrimResult = {
      trimmed: trims.reduce((sum, t) => sum + t.trimmed, 0),
      deadLettersTrimmed: trims.reduce((sum, t) => sum + t.deadLettersTrimmed, 0),
      length: trims.reduce((sum, t) => sum + t.length, 0),
      slowest: longest.slowest,
    };
    const outboxPurged =
      (await outbox.purgePublished?.(
        new Date(Date.now() - housekeeping.outboxRetentionMs),
        housekeeping.outboxPurgeBatch,
      )) ?? 0;
    if (trim.trimmed + trim.deadLettersTrimmed + outboxPurged > 0)
      log.debug({ stream, ...trim, outboxPurged }, 'event log trimmed');
    return { ...trim, outboxPurged };
  };
  /** One housekeeping run at a time: a call during the timer's run runs after it. */
  let housekeepingChain: Promise<unknown> = Promise.resolve();
  const housekeep = (): Promise<HousekeepingResult | null> => {
    const run = housekeepingChain.catch(() => undefined).then(housekeepOnce);
    housekeepingChain = run;
    return run;
  };
  /**
   * Housekeeping on a timer of its own, beside the publishing loop (never delaying a poll); the
   * first run one interval after start. A failure is logged and retried at the next interval.
   */
  let housekeepingTimer: ReturnType<typeof setTimeout> | undefined;
  const scheduleHousekeeping = () => {
    if (!housekeeping || housekeeping.intervalMs <= 0 || stopped) return;
    housekeepingTimer = setTimeout(() => {
      housekeep()
        .catch((error: unknown) =>
          log.warn({ err: error, stream }, 'event log housekeeping failed; will retry'),
        )
        .finally(scheduleHousekeeping);
    }, housekeeping.intervalMs);
  };
  scheduleHousekeeping();

  const tick = async () => {
    while (!stopped) {
      let published = 0;
      try {
        published = await flush();
        failures = 0;
      } catch (error) {
        failures += 1;
        // Redis or the store is down: keep the events in the outbox and retry with backoff.
        if (failures === 1 || failures % 50 === 0)
          log.warn({ err: error, failures }, 'outbox relay could not publish; will retry');
        running = Promise.resolve(0);
      }
      if (stopped) break;
      if (failures > 0) {
        await sleep(Math.min(5000, intervalMs * 2 ** failures), false);
      } else if (published > 0 || Date.now() < fastUntil) {
        idleMs = intervalMs;
        await sleep(intervalMs, true);
      } else {
        idleMs = Math.min(longestIdleMs, idleMs * 2);
        await sleep(idleMs, true);
      }
    }
  };
  const loop = tick();

  return {
    flush,
    nudge: () => {
      if (stopped) return;
      fastUntil = Date.now() + nudgeWindowMs;
      // Asleep: wake now, but never sooner than `intervalMs` after the last poll. Polling now (no
      // sleep to cut short): the poll may have missed the write, and the window makes the next
      // one come `intervalMs` after it.
      const current = sleeping;
      if (!current?.nudgeable) return;
      const due = current.since + intervalMs;
      if (due >= current.until) return;
      clearTimeout(current.timer);
      current.until = due;
      current.timer = setTimeout(current.wake, Math.max(0, due - Date.now()));
    },
    housekeep,
    stop: async () => {
      stopped = true;
      clearTimeout(housekeepingTimer);
      sleeping?.wake(); // do not wait out the poll interval or a backoff
      await loop;
      await running.catch(() => 0);
      await housekeepingChain.catch(() => undefined);
    },
  };
}
