import {
  eventPartitions,
  parseEventFields,
  partitionStreams,
  type DomainEvent,
  type EventsRedis,
} from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';

type StreamEntry = [id: string, fields: string[]];

export interface RunningEventSource {
  stop: () => Promise<void>;
  /** Resolves once the source reads the stream (its starting point is fixed from then on). */
  started: Promise<void>;
}

/** The `type` field the relays write next to the event's JSON: read without parsing the event. */
function typeOf(fields: string[]): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === 'type') return fields[i + 1];
  return undefined;
}

/**
 * This process's own reader of the event stream: a plain XREAD from the stream's end, no consumer
 * group, so every gateway process (and every worker) sees every event and delivers it to its own
 * subscribers, and a stopped gateway leaves nothing behind in Redis. It keeps the id of the last
 * entry read, so a lost connection resumes where it was. An event of a type no subscription wants
 * is skipped before its JSON is parsed.
 */
export interface EventSourceOptions {
  redis: EventsRedis;
  stream: string;
  /** Partitions of the event log (default `EVENTS_PARTITIONS`, else 1): one reader each. */
  partitions?: number;
  log: Logger;
  wants: (eventType: string) => boolean;
  /** Awaited: events are handed on one at a time, in stream order (per partition when partitioned). */
  deliver: (event: DomainEvent) => Promise<void>;
  blockMs?: number;
}

export function startEventSource(options: EventSourceOptions): RunningEventSource {
  const streams = partitionStreams(options.stream, options.partitions ?? eventPartitions());
  if (streams.length === 1) return startStreamSource(options, options.redis);
  // A reader and a connection per partition (each XREAD blocks its connection; on a cluster the
  // partitions live on different nodes). An entity's events stay in order: they share a partition.
  const sources = streams.map((stream, i) =>
    startStreamSource({ ...options, stream }, i === 0 ? options.redis : options.redis.duplicate()),
  );
  return {
    started: Promise.all(sources.map((source) => source.started)).then(() => undefined),
    stop: async () => {
      await Promise.all(sources.map((source) => source.stop()));
    },
  };
}

function startStreamSource(options: EventSourceOptions, redis: EventsRedis): RunningEventSource {
  const { stream, log, blockMs = 1000 } = options;
  let stopped = false;
  let lastId: string | undefined;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let failing = false;

  const read = async () => {
    if (lastId === undefined) {
      // The newest entry's id, not `$`: `$` on every call would skip what arrives between two reads.
      const newest = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
      lastId = newest[0]?.[0] ?? '0-0';
      markStarted();
    }
    const reply = (await redis.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', stream, lastId)) as
      [string, StreamEntry[]][] | null;
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      lastId = id;
      const type = typeOf(fields);
      if (type !== undefined && !options.wants(type)) continue;
      let event: DomainEvent;
      try {
        event = parseEventFields(fields);
      } catch (error) {
        log.warn({ entryId: id, err: (error as Error).message }, 'subscriptions: unreadable event skipped');
        continue;
      }
      await options.deliver(event);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await read();
        if (failing) log.info({ stream }, 'subscriptions: event stream readable again');
        failing = false;
      } catch (error) {
        if (stopped) break;
        if (!failing)
          log.warn(
            { err: (error as Error).message, stream },
            'subscriptions: event stream unreadable; retrying',
          );
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    started,
    stop: async () => {
      stopped = true;
      redis.disconnect(); // cuts the blocking XREAD short
      // While Redis is unreachable ioredis keeps the pending command queued even after disconnect():
      // the loop ends whenever that settles; stopping does not wait for it.
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, 200))]);
    },
  };
}
