import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { deadLetterStream, startConsumer, type RunningConsumer } from '../src/consumer.js';
import type { DomainEvent } from '../src/event.js';
import { startOutboxRelay, type Outbox } from '../src/relay.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const log = pino({ level: 'silent' });
const keys: string[] = [];

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** The writers' side, in memory: what the relay reads from is not what this test is about. */
class MemoryOutbox implements Outbox {
  private readonly events: DomainEvent[] = [];
  commit(events: DomainEvent[]): void {
    this.events.push(...events);
  }
  async pending(limit: number): Promise<DomainEvent[]> {
    return this.events.slice(0, limit);
  }
  async markPublished(eventIds: string[]): Promise<void> {
    const published = new Set(eventIds);
    while (this.events.length > 0 && published.has(this.events[0]!.eventId)) this.events.shift();
  }
}

const event = (n: number): DomainEvent => ({
  eventId: randomUUID(),
  type: 'PostUpdated',
  entity: 'Post',
  entityId: `post-${n % 50}`,
  version: n,
  occurredAt: new Date().toISOString(),
  payload: { n },
});

describe('bounded event log', () => {
  it('stays bounded under a long burst while a slow group loses nothing', async () => {
    const stream = `events-test:bounded:${randomUUID()}`;
    keys.push(stream, deadLetterStream(stream));
    const outbox = new MemoryOutbox();
    const relay = startOutboxRelay({
      outbox,
      redis,
      log,
      stream,
      intervalMs: 10,
      idleIntervalMs: 20,
      // The timer is asserted on at the end; during the burst the test calls housekeep() itself.
      housekeeping: {
        intervalMs: 50,
        deadLetterRetentionMs: 60_000,
        outboxRetentionMs: 0,
        outboxPurgeBatch: 100,
      },
    });
    const seen = { fast: [] as number[], slow: [] as number[] };
    const consume = (group: 'fast' | 'slow', consumer: string) =>
      startConsumer({
        redis,
        stream,
        log,
        group,
        consumer,
        blockMs: 50,
        handle: async (events) => void seen[group].push(...events.map((e) => e.version)),
      });
    const fast = await consume('fast', 'f1');
    let slow: RunningConsumer | undefined = await consume('slow', 's1');
    try {
      const chunk = 200;
      const chunks = 30;
      const pausedChunks = new Set([5, 6, 7, 8, 9]); // slow stops acknowledging for five chunks
      const lengths: number[] = [];
      let n = 0;
      for (let c = 0; c < chunks; c += 1) {
        const paused = pausedChunks.has(c);
        if (paused && slow) {
          await slow.stop();
          slow = undefined;
        }
        if (!paused && !slow) slow = await consume('slow', 's1'); // back: its pending entries first
        outbox.commit(Array.from({ length: chunk }, () => event((n += 1))));
        await relay.flush();
        await fast.drained();
        if (slow) await slow.drained();
        // Paused: s1 still reads (150 of each 200) but acknowledges nothing, like a consumer that
        // hangs or dies mid-batch; more than one radix node (100 entries) of pending entries.
        else await redis.xreadgroup('GROUP', 'slow', 's1', 'COUNT', 150, 'STREAMS', stream, '>');
        await relay.housekeep();
        lengths.push(await redis.xlen(stream));
        if (paused) {
          // Everything slow has not acknowledged is still there, every pending entry included.
          const pending = (await redis.xpending(stream, 'slow', '-', '+', 10_000)) as [
            string,
            ...unknown[],
          ][];
          expect(pending).toHaveLength(150 * (c - 4));
          for (const [id] of pending) expect(await redis.xrange(stream, id, id)).toHaveLength(1);
          expect(lengths.at(-1)).toBeGreaterThanOrEqual(chunk * (c - 4));
        }
      }
      const total = chunk * chunks;
      // Everyone got every event, in order, once.
      const all = Array.from({ length: total }, (_, i) => i + 1);
      expect(seen.fast).toEqual(all);
      expect(seen.slow).toEqual(all);
      // While both keep up, the stream holds about one chunk (plus one radix node for `~`); while
      // slow was paused it held slow's backlog; never the whole burst.
      const keptUp = lengths.filter((_, c) => !pausedChunks.has(c));
      expect(Math.max(...keptUp)).toBeLessThanOrEqual(chunk + 100);
      expect(Math.max(...lengths)).toBeLessThan(total / 4);
      // The timer trims too: after the last acknowledgement, the stream shrinks to at most one node.
      await vi.waitFor(async () => expect(await redis.xlen(stream)).toBeLessThanOrEqual(100), {
        timeout: 5000,
        interval: 50,
      });
    } finally {
      await fast.stop();
      await slow?.stop();
      await relay.stop();
    }
  });
});
