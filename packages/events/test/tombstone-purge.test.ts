import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { eventLogHorizon } from '../src/log-horizon.js';
import { partitionStreams } from '../src/partitions.js';
import { purgeTombstones, type TombstoneStore } from '../src/tombstone-purge.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const keys: string[] = [];
const log = pino({ level: 'silent' });
const HOUR = 3_600_000;

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function newLog(partitions = 1): { stream: string; streams: string[] } {
  const stream = `events-test:horizon:${randomUUID()}`;
  const streams = partitionStreams(stream, partitions);
  keys.push(...streams);
  return { stream, streams };
}

/** Tombstones with the times they were written, deleted by the purge's cutoff. */
class TimedTombstones implements TombstoneStore {
  readonly name = 'test';
  constructor(public writtenAt: number[]) {}
  async purgeTombstones(removedBefore: Date): Promise<number> {
    const before = this.writtenAt.length;
    this.writtenAt = this.writtenAt.filter((at) => at >= removedBefore.getTime());
    return before - this.writtenAt.length;
  }
}

/** One purge of `tombstones` against a single-partition log. */
const purgeOneLog = (stream: string, tombstones: TombstoneStore, minAgeMs: number) =>
  purgeTombstones({ redis, tombstones, log, intervalMs: 0, minAgeMs, stream, partitions: 1 });

describe('the event log horizon', () => {
  it('is unknown while no partition exists (nothing was ever published)', async () => {
    const { stream } = newLog(3);
    expect(await eventLogHorizon(redis, stream, 3)).toBeNull();
  });

  it('is the time of the oldest entry still held, the earliest over every partition', async () => {
    const { stream, streams } = newLog(2);
    const now = Date.now();
    await redis.xadd(streams[0]!, `${now - 3 * HOUR}-0`, 'n', '1');
    await redis.xadd(streams[0]!, `${now - 1 * HOUR}-0`, 'n', '2');
    await redis.xadd(streams[1]!, `${now - 2 * HOUR}-0`, 'n', '3');
    expect((await eventLogHorizon(redis, stream, 2))?.getTime()).toBe(now - 3 * HOUR);
    // Trimming the oldest entry moves the horizon to the next one held anywhere.
    await redis.xtrim(streams[0]!, 'MINID', '=', `${now - 2 * HOUR}-0`);
    expect((await eventLogHorizon(redis, stream, 2))?.getTime()).toBe(now - 2 * HOUR);
  });

  it('is now for a log trimmed empty: everything ever published is gone', async () => {
    const { stream } = newLog();
    await redis.xadd(stream, `${Date.now() - HOUR}-0`, 'n', '1');
    await redis.xtrim(stream, 'MAXLEN', '=', 0);
    const before = Date.now();
    const horizon = await eventLogHorizon(redis, stream, 1);
    expect(horizon!.getTime()).toBeGreaterThanOrEqual(before);
  });
});

describe('purging tombstones', () => {
  it('forgets only tombstones written before the oldest event the log still holds, and older than the minimum age', async () => {
    const { stream } = newLog();
    const now = Date.now();
    await redis.xadd(stream, `${now - 2 * HOUR}-0`, 'n', '1');
    const tombstones = new TimedTombstones([
      now - 5 * HOUR,
      now - 2.5 * HOUR,
      now - 1.5 * HOUR,
      now - 10_000,
    ]);
    // The log still holds an event of 2 h ago: a tombstone written after it may still be needed.
    const result = await purgeOneLog(stream, tombstones, 0);
    expect(result.cutoff?.getTime()).toBe(now - 2 * HOUR);
    expect(result.purged).toBe(2);
    expect(tombstones.writtenAt).toEqual([now - 1.5 * HOUR, now - 10_000]);

    // An empty log lets the minimum age decide.
    await redis.xtrim(stream, 'MAXLEN', '=', 0);
    const aged = await purgeOneLog(stream, tombstones, HOUR);
    expect(aged.purged).toBe(1);
    expect(tombstones.writtenAt).toEqual([now - 10_000]);
  });

  it('purges nothing while the log cannot say what it held', async () => {
    const { stream } = newLog();
    const tombstones = new TimedTombstones([Date.now() - 100 * HOUR]);
    const result = await purgeOneLog(stream, tombstones, 0);
    expect(result).toEqual({ cutoff: null, purged: 0 });
    expect(tombstones.writtenAt).toHaveLength(1);
  });
});
