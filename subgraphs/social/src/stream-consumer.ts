import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A generic Redis Streams consumer-group loop (no store in it), so every projector of domain
 * events shares one at-least-once discipline:
 * - an entry is acknowledged (XACK) only after its handler resolved, i.e. after the store write;
 * - a failed entry stays pending and is handed again (XCLAIM) after `retryAfterMs`; entries left
 *   pending by a consumer that died are taken over (XAUTOCLAIM) after `claimAfterMs`;
 * - after `maxDeliveries` failed deliveries, or at once for a PoisonEntryError, the entry is
 *   copied with the reason to the dead-letter stream and acknowledged, in one MULTI;
 * - errors the handler classifies as transient (the store is down) never dead-letter: the loop
 *   backs off and the entry waits in the pending list.
 * Handlers must be idempotent: an entry can be handled twice (crash between write and XACK).
 */

export interface StreamEntry {
  id: string;
  /** Field/value pairs as written by XADD. */
  fields: string[];
}

/** The entry can never be handled (malformed, contradicting itself): dead-letter it without retrying. */
export class PoisonEntryError extends Error {
  override name = 'PoisonEntryError';
}

export interface StreamConsumerOptions {
  /** A connection of its own: XREADGROUP BLOCK holds it while waiting. */
  redis: Redis;
  stream: string;
  group: string;
  /** Unique per running instance; stable across restarts so an instance resumes its own pending entries. */
  consumer: string;
  handle: (entry: StreamEntry) => Promise<void>;
  log: Logger;
  deadLetterStream?: string;
  maxDeliveries?: number;
  batchSize?: number;
  blockMs?: number;
  retryAfterMs?: number;
  claimAfterMs?: number;
  /** Store unavailable and the like: retry later without counting towards the dead letter. */
  isTransient?: (error: unknown) => boolean;
  /** Where a group created now starts: '0' replays the whole stream, '$' only new entries. */
  startAt?: string;
}

export interface RunningConsumer {
  /** Finishes the entry in hand, then stops; pending entries stay for the next start. */
  stop: () => Promise<void>;
  /** Resolves once nothing new is left and none of this consumer's entries is pending. */
  drain: (timeoutMs?: number) => Promise<void>;
}

export const deadLetterStreamOf = (stream: string): string => `${stream}:dead`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Parses `[[id, [field, value, ...]], ...]`; entries deleted from the stream (nil fields) are skipped. */
function parseEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (Array.isArray(item) && typeof item[0] === 'string' && isStringArray(item[1])) {
      entries.push({ id: item[0], fields: item[1] });
    }
  }
  return entries;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function startStreamConsumer(options: StreamConsumerOptions): RunningConsumer {
  const {
    redis,
    stream,
    group,
    consumer,
    handle,
    log,
    deadLetterStream = deadLetterStreamOf(stream),
    maxDeliveries = 5,
    batchSize = 100,
    blockMs = 1000,
    retryAfterMs = 1000,
    claimAfterMs = 60_000,
    isTransient = () => false,
    startAt = '0',
  } = options;
  const consumerLog = log.child({ stream, group, consumer });
  let stopped = false;
  let autoclaimCursor = '0-0';
  let idleWaiters: (() => void)[] = [];

  const ensureGroup = async () => {
    try {
      await redis.call('XGROUP', 'CREATE', stream, group, startAt, 'MKSTREAM');
    } catch (error) {
      if (!errorMessage(error).includes('BUSYGROUP')) throw error;
    }
  };

  const deliveries = async (id: string): Promise<number> => {
    const raw = await redis.call('XPENDING', stream, group, id, id, 1);
    const first = Array.isArray(raw) ? raw[0] : undefined;
    return Array.isArray(first) && typeof first[3] === 'number' ? first[3] : 1;
  };

  const deadLetter = async (entry: StreamEntry, reason: string, deliveryCount: number) => {
    const results = await redis
      .multi()
      .xadd(
        deadLetterStream,
        '*',
        ...entry.fields,
        'reason',
        reason,
        'sourceStream',
        stream,
        'sourceEntryId',
        entry.id,
        'group',
        group,
        'consumer',
        consumer,
        'deliveries',
        String(deliveryCount),
        'failedAt',
        new Date().toISOString(),
      )
      .xack(stream, group, entry.id)
      .exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
    consumerLog.error(
      { entryId: entry.id, reason, deliveries: deliveryCount },
      'entry moved to the dead-letter stream',
    );
  };

  /** Handles entries in order; returns how many were dealt with, stopping early when the store is down. */
  const process = async (entries: StreamEntry[]): Promise<{ handled: number; transientFailure: boolean }> => {
    let handled = 0;
    for (const entry of entries) {
      if (stopped) break;
      try {
        await handle(entry);
        await redis.call('XACK', stream, group, entry.id);
        handled += 1;
      } catch (error) {
        if (isTransient(error)) {
          consumerLog.warn({ entryId: entry.id, err: error }, 'store unavailable; will retry');
          return { handled, transientFailure: true };
        }
        const count = await deliveries(entry.id);
        const reason = errorMessage(error);
        if (error instanceof PoisonEntryError || count >= maxDeliveries)
          await deadLetter(entry, reason, count);
        else consumerLog.warn({ entryId: entry.id, deliveries: count, reason }, 'entry failed; will retry');
        handled += 1;
      }
    }
    return { handled, transientFailure: false };
  };

  /** This consumer's own entries whose last delivery failed (or were never finished) long enough ago. */
  const claimOwnDue = async (): Promise<StreamEntry[]> => {
    const raw = await redis.call(
      'XPENDING',
      stream,
      group,
      'IDLE',
      retryAfterMs,
      '-',
      '+',
      batchSize,
      consumer,
    );
    const ids = Array.isArray(raw)
      ? raw.flatMap((item) => (Array.isArray(item) && typeof item[0] === 'string' ? [item[0]] : []))
      : [];
    if (ids.length === 0) return [];
    return parseEntries(await redis.call('XCLAIM', stream, group, consumer, retryAfterMs, ...ids));
  };

  /** Entries another consumer took and did not acknowledge for claimAfterMs (it crashed or hangs). */
  const claimAbandoned = async (): Promise<StreamEntry[]> => {
    const raw = await redis.call(
      'XAUTOCLAIM',
      stream,
      group,
      consumer,
      claimAfterMs,
      autoclaimCursor,
      'COUNT',
      batchSize,
    );
    if (!Array.isArray(raw)) return [];
    autoclaimCursor = typeof raw[0] === 'string' ? raw[0] : '0-0';
    return parseEntries(raw[1]);
  };

  const readNew = async (block: boolean): Promise<StreamEntry[]> => {
    const raw = await redis.call(
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      batchSize,
      ...(block ? ['BLOCK', blockMs] : []),
      'STREAMS',
      stream,
      '>',
    );
    if (!Array.isArray(raw)) return [];
    const forStream = raw[0];
    return Array.isArray(forStream) ? parseEntries(forStream[1]) : [];
  };

  const ownPendingCount = async (): Promise<number> => {
    const raw = await redis.call('XPENDING', stream, group, '-', '+', 1, consumer);
    return Array.isArray(raw) ? raw.length : 0;
  };

  /** One pass: retries, take-overs, then new entries (waiting for them only when idle otherwise). */
  const pass = async (): Promise<{ handled: number; transientFailure: boolean }> => {
    let handled = 0;
    for (const source of [claimOwnDue, claimAbandoned]) {
      const result = await process(await source());
      handled += result.handled;
      if (result.transientFailure) return { handled, transientFailure: true };
    }
    const result = await process(await readNew(handled === 0 && idleWaiters.length === 0));
    return { handled: handled + result.handled, transientFailure: result.transientFailure };
  };

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await ensureGroup();
        break;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 50 === 0)
          consumerLog.warn({ err: error }, 'cannot create the consumer group; retrying');
        await sleep(Math.min(5000, 100 * 2 ** failures));
      }
    }
    failures = 0;
    while (!stopped) {
      try {
        const { handled, transientFailure } = await pass();
        if (transientFailure) throw new Error('store unavailable');
        failures = 0;
        if (handled === 0 && idleWaiters.length > 0) {
          if ((await ownPendingCount()) === 0) {
            const waiters = idleWaiters;
            idleWaiters = [];
            for (const resolve of waiters) resolve();
          } else {
            await sleep(Math.min(retryAfterMs, 50)); // failed entries not due for retry yet
          }
        }
      } catch (error) {
        if (/NOGROUP|no longer exists/.test(errorMessage(error))) {
          await ensureGroup().catch(() => undefined); // the stream was deleted and recreated
          continue;
        }
        failures += 1;
        if (failures === 1 || failures % 50 === 0)
          consumerLog.warn({ err: error, failures }, 'consumer pass failed; backing off');
        await sleep(Math.min(5000, 50 * 2 ** failures));
      }
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
    drain: (timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`consumer ${consumer} not drained after ${timeoutMs} ms`)),
          timeoutMs,
        );
        idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
