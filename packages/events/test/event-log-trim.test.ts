import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deadLetterStream } from '../src/consumer.js';
import { groupPositions, trimEventLog } from '../src/event-log-trim.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const keys: string[] = [];

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function newStream(): string {
  const stream = `events-test:trim:${randomUUID()}`;
  keys.push(stream, deadLetterStream(stream));
  return stream;
}

/** Appends `count` entries; returns their ids, oldest first. */
async function append(stream: string, count: number): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < count; i += 1) pipeline.xadd(stream, '*', 'n', String(i));
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, id]) => {
    if (error) throw error;
    return String(id);
  });
}

type Entries = [string, [string, string[]][]][] | null;

/** Reads `count` new entries for a group (delivered, so pending until acknowledged). */
async function deliver(stream: string, group: string, count: number): Promise<string[]> {
  const reply = (await redis.xreadgroup(
    'GROUP',
    group,
    'c1',
    'COUNT',
    count,
    'STREAMS',
    stream,
    '>',
  )) as Entries;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

const pendingIds = async (stream: string, group: string): Promise<string[]> =>
  ((await redis.xpending(stream, group, '-', '+', 10_000)) as [string, ...unknown[]][]).map(([id]) => id);

const firstId = async (stream: string): Promise<string | undefined> =>
  ((await redis.xrange(stream, '-', '+', 'COUNT', 1)) as [string, string[]][])[0]?.[0];

describe('trimEventLog', () => {
  it('trims below the slowest group and keeps every entry a group holds pending', async () => {
    const stream = newStream();
    const ids = await append(stream, 500);
    await redis.xgroup('CREATE', stream, 'fast', '0');
    await redis.xgroup('CREATE', stream, 'slow', '0');
    await deliver(stream, 'fast', 500);
    await redis.xack(stream, 'fast', ...ids);
    // slow read 300, acknowledged all but entries 100..149 (still being worked on, or failing).
    await deliver(stream, 'slow', 300);
    await redis.xack(stream, 'slow', ...ids.slice(0, 100), ...ids.slice(150, 300));

    expect(await groupPositions(redis, stream)).toEqual(
      expect.arrayContaining([
        { group: 'slow', needsFrom: ids[100], pending: 50 },
        expect.objectContaining({ group: 'fast', pending: 0 }),
      ]),
    );
    const result = await trimEventLog(redis, { stream, deadLetterRetentionMs: 60_000, approximate: false });
    expect(result).toMatchObject({
      trimmed: 100,
      length: 400,
      slowest: { group: 'slow', needsFrom: ids[100] },
    });
    expect(await firstId(stream)).toBe(ids[100]);
    // Every pending entry is still there, with its fields: the slow group can still process it.
    const pending = await pendingIds(stream, 'slow');
    expect(pending).toEqual(ids.slice(100, 150));
    for (const id of pending) expect(await redis.xrange(stream, id, id)).toHaveLength(1);

    // Once slow acknowledges them, the next trim goes up to what slow has not read yet.
    await redis.xack(stream, 'slow', ...ids.slice(100, 150));
    const next = await trimEventLog(redis, { stream, deadLetterRetentionMs: 60_000, approximate: false });
    expect(next).toMatchObject({ trimmed: 200, length: 200 });
    expect(await firstId(stream)).toBe(ids[300]);
  });

  it('never trims what a group has not read yet, nor a stream without groups', async () => {
    const stream = newStream();
    const ids = await append(stream, 300);
    expect(await trimEventLog(redis, { stream, deadLetterRetentionMs: 0, approximate: false })).toMatchObject(
      {
        trimmed: 0,
        length: 300,
        slowest: null,
      },
    );
    await redis.xgroup('CREATE', stream, 'reader', '0');
    await redis.xgroup('CREATE', stream, 'idle', '0');
    await deliver(stream, 'reader', 300);
    await redis.xack(stream, 'reader', ...ids);
    expect(await trimEventLog(redis, { stream, deadLetterRetentionMs: 0, approximate: false })).toMatchObject(
      {
        trimmed: 0,
        length: 300,
        slowest: { group: 'idle' },
      },
    );
  });

  it('approximate trimming (~) removes whole nodes only, never past the safe id', async () => {
    const stream = newStream();
    const ids = await append(stream, 1000);
    await redis.xgroup('CREATE', stream, 'g', '0');
    await deliver(stream, 'g', 650);
    await redis.xack(stream, 'g', ...ids.slice(0, 550));
    const result = await trimEventLog(redis, { stream, deadLetterRetentionMs: 60_000 });
    expect(result.trimmed).toBeGreaterThan(0); // stream-node-max-entries is 100 by default
    expect(result.length).toBeGreaterThanOrEqual(400);
    const first = await firstId(stream);
    expect(ids.indexOf(first!)).toBeLessThanOrEqual(550);
    expect(await pendingIds(stream, 'g')).toEqual(ids.slice(550, 650));
    for (const id of ids.slice(550)) expect(await redis.xrange(stream, id, id)).toHaveLength(1);
  });

  it('trims a long acknowledged stretch in one call, past the LIMIT of a single approximate XTRIM', async () => {
    const stream = newStream();
    for (let i = 0; i < 5; i += 1) await append(stream, 5000);
    await redis.xgroup('CREATE', stream, 'g', '$'); // has read everything there
    const result = await trimEventLog(redis, { stream, deadLetterRetentionMs: 60_000 });
    expect(result.trimmed).toBeGreaterThan(24_000); // one XTRIM ~ stops at 100 × stream-node-max-entries
    expect(result.length).toBeLessThan(1000);
  });

  it('drops dead letters older than the retention and keeps the younger ones', async () => {
    const stream = newStream();
    const dead = deadLetterStream(stream);
    const hour = 60 * 60 * 1000;
    const now = Date.now();
    for (const ageHours of [5, 4, 3]) await redis.xadd(dead, `${now - ageHours * hour}-0`, 'reason', 'old');
    await redis.xadd(dead, `${now - 30 * 60 * 1000}-0`, 'reason', 'recent');
    await redis.xadd(dead, '*', 'reason', 'new');
    const result = await trimEventLog(redis, { stream, deadLetterRetentionMs: 2 * hour, approximate: false });
    expect(result.deadLettersTrimmed).toBe(3);
    const left = (await redis.xrange(dead, '-', '+')) as [string, string[]][];
    expect(left.map(([, fields]) => fields[1])).toEqual(['recent', 'new']);
  });
});
