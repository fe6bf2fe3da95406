import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseEventFields, type DomainEvent } from '../src/event.js';
import { startOutboxRelay, type Outbox, type RelayOptions, type RunningRelay } from '../src/relay.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const log = pino({ level: 'silent' });
const running: RunningRelay[] = [];
const keys: string[] = [];

/**
 * An outbox in a Redis list (RPUSH is the writer's commit), oldest first, counting the relay's
 * polls (`pending` calls).
 */
class RedisListOutbox implements Outbox {
  readonly key = `events-test:outbox:${randomUUID()}`;
  polls = 0;

  constructor() {
    keys.push(this.key);
  }

  /** A writer committing events. */
  async commit(...events: DomainEvent[]): Promise<void> {
    await redis.rpush(this.key, ...events.map((event) => JSON.stringify(event)));
  }

  async pending(limit: number): Promise<DomainEvent[]> {
    this.polls += 1;
    const rows = await redis.lrange(this.key, 0, limit - 1);
    return rows.map((row) => JSON.parse(row) as DomainEvent);
  }

  async markPublished(eventIds: string[]): Promise<void> {
    const head = await redis.lrange(this.key, 0, eventIds.length - 1);
    const headIds = head.map((row) => (JSON.parse(row) as DomainEvent).eventId);
    if (headIds.join() !== eventIds.join()) throw new Error('marking events that are not the oldest pending');
    await redis.ltrim(this.key, eventIds.length, -1);
  }
}

function event(entityId: string, version = 1): DomainEvent {
  return {
    eventId: randomUUID(),
    type: 'PostUpdated',
    entity: 'Post',
    entityId,
    version,
    occurredAt: new Date().toISOString(),
    payload: { id: entityId },
  };
}

function newStream(): string {
  const stream = `events-test:relay:${randomUUID()}`;
  keys.push(stream);
  return stream;
}

function start(outbox: Outbox, stream: string, options: Partial<RelayOptions> = {}): RunningRelay {
  const relay = startOutboxRelay({ outbox, redis, log, stream, ...options });
  running.push(relay);
  return relay;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

async function streamIds(stream: string): Promise<string[]> {
  return (await redis.xrange(stream, '-', '+')).map(([, fields]) => parseEventFields(fields).entityId);
}

/** Polls made during `ms` from now. */
async function pollsDuring(outbox: RedisListOutbox, ms: number): Promise<number> {
  const before = outbox.polls;
  await sleep(ms);
  return outbox.polls - before;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((relay) => relay.stop()));
});

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('outbox relay polling', () => {
  it('backs off to one poll a second while idle, and still picks up a write nobody nudged for', async () => {
    const outbox = new RedisListOutbox();
    const stream = newStream();
    start(outbox, stream); // defaults: 100 ms, doubling up to 1000 ms
    // Rounds at about 0, 200, 600, 1400 ms, then every second (a fixed 100 ms would make 17 here).
    expect(await pollsDuring(outbox, 1700)).toBeLessThanOrEqual(6);
    const idle = await pollsDuring(outbox, 3000);
    expect(idle).toBeGreaterThanOrEqual(2); // still polling: other instances' writes get out
    expect(idle).toBeLessThanOrEqual(5); // not 30

    await outbox.commit(event('unnudged'));
    await waitFor(async () => (await streamIds(stream)).length === 1, 'the un-nudged event', 3000);
    expect(await streamIds(stream)).toEqual(['unnudged']);
  });

  it('nudge() publishes a write at once, out of a long idle sleep', async () => {
    const outbox = new RedisListOutbox();
    const stream = newStream();
    const relay = start(outbox, stream, { idleIntervalMs: 60_000 });
    // Rounds at about 0, 200, 600, 1400, 3000 ms; the next one would be at 6200.
    await waitFor(() => outbox.polls >= 5, 'the relay to go idle', 10_000);
    await sleep(100);

    const committed = Date.now();
    await outbox.commit(event('nudged'));
    relay.nudge();
    await waitFor(async () => (await streamIds(stream)).length === 1, 'the nudged event', 1500);
    const latency = Date.now() - committed;
    expect(latency).toBeLessThan(1500); // without the nudge: about 3000 ms
    expect(await streamIds(stream)).toEqual(['nudged']);
  });

  it('a nudge sent before the commit keeps the relay fast for nudgeWindowMs, then it idles again', async () => {
    const outbox = new RedisListOutbox();
    const stream = newStream();
    const relay = start(outbox, stream, { idleIntervalMs: 60_000, nudgeWindowMs: 1000 });
    await waitFor(() => outbox.polls >= 5, 'the relay to go idle', 10_000);

    const nudged = Date.now();
    relay.nudge(); // the writer's transaction has not committed yet
    await sleep(400);
    await outbox.commit(event('late-commit'));
    // Polled every 100 ms until 1000 ms after the nudge: out within about 100 ms of the commit.
    await waitFor(async () => (await streamIds(stream)).length === 1, 'the late commit', 1500);
    expect(await streamIds(stream)).toEqual(['late-commit']);

    // After the window the sleep doubles again from 100 ms: rounds at about +1200, +1600, +2400,
    // +4000, +7200 ms after the nudge; a relay left fast would poll 20 times in these 2 seconds.
    await sleep(Math.max(0, nudged + 2500 - Date.now()));
    expect(await pollsDuring(outbox, 2000)).toBeLessThanOrEqual(3);
  });

  it('many nudges do not make it poll more than once per intervalMs, and order is kept', async () => {
    const outbox = new RedisListOutbox();
    const stream = newStream();
    const relay = start(outbox, stream, { idleIntervalMs: 60_000 });
    await waitFor(() => outbox.polls >= 3, 'the relay to go idle', 10_000);

    const before = outbox.polls;
    const ids: string[] = [];
    const writes = Date.now();
    for (let i = 0; i < 100; i += 1) {
      ids.push(`e${i}`);
      await outbox.commit(event(`e${i}`));
      relay.nudge();
      await sleep(Math.max(0, writes + (i + 1) * 10 - Date.now()));
    }
    const elapsed = Date.now() - writes;
    await waitFor(async () => (await streamIds(stream)).length === 100, 'every event', 5000);
    // A round is at most 2 polls (the batch, then the empty one that ends it) and rounds are at
    // least 100 ms apart; waking on every nudge would poll 100 to 200 times.
    const rounds = Math.ceil(elapsed / 100) + 2;
    expect(outbox.polls - before).toBeLessThanOrEqual(2 * rounds);
    expect(await streamIds(stream)).toEqual(ids);
  });

  it('nudges do not cut the backoff after a failure short, and the event goes out once it heals', async () => {
    const outbox = new RedisListOutbox();
    const stream = newStream();
    await redis.set(stream, 'not a stream'); // XADD fails with WRONGTYPE until the key is gone
    const relay = start(outbox, stream, { idleIntervalMs: 60_000 });
    await outbox.commit(event('after-outage'));
    relay.nudge();

    const before = outbox.polls;
    const nudging = Date.now();
    while (Date.now() - nudging < 2000) {
      relay.nudge();
      await sleep(20);
    }
    // Backoff: 200, 400, 800, 1600 ms after each failed round; one poll per nudge would be ~100.
    expect(outbox.polls - before).toBeLessThanOrEqual(5);
    expect(await redis.llen(outbox.key)).toBe(1); // nothing lost

    await redis.del(stream);
    await waitFor(async () => (await redis.exists(stream)) === 1, 'the stream after the outage', 6000);
    expect(await streamIds(stream)).toEqual(['after-outage']);
    expect(await redis.llen(outbox.key)).toBe(0);
  });

  it('stop() does not wait out an idle sleep, and a nudge after stop() does nothing', async () => {
    const outbox = new RedisListOutbox();
    const relay = start(outbox, newStream(), { idleIntervalMs: 60_000 });
    await waitFor(() => outbox.polls >= 5, 'the relay to go idle', 10_000); // asleep for ~3 s now
    const stopping = Date.now();
    await relay.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
    const polls = outbox.polls;
    relay.nudge();
    await sleep(300);
    expect(outbox.polls).toBe(polls);
  });
});
