import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deadLetterStream, startConsumer, type RunningConsumer } from '../src/consumer.js';
import { eventFields, type DomainEvent } from '../src/event.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const log = pino({ level: 'silent' });
const running: RunningConsumer[] = [];
const streams: string[] = [];

function newStream(): string {
  const stream = `events-test:${randomUUID()}`;
  streams.push(stream, deadLetterStream(stream));
  return stream;
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

async function publish(stream: string, events: DomainEvent[]): Promise<void> {
  for (const e of events) await redis.xadd(stream, '*', ...eventFields(e));
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a store's client throws while the store restarts. */
class StoreUnavailable extends Error {}

/** A logger whose lines the test reads back. */
function capturingLog(): { log: Logger; messages: () => string[] } {
  const lines: string[] = [];
  return {
    log: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
    messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg),
  };
}

/** Pending entries of a group: [id, consumer, idle ms, deliveries]. */
async function pendingEntries(stream: string, group: string): Promise<[string, string, number, number][]> {
  return (await redis.xpending(stream, group, '-', '+', 100)) as [string, string, number, number][];
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});

afterAll(async () => {
  if (streams.length > 0) await redis.del(...streams);
  redis.disconnect();
});

describe('consumer groups', () => {
  it('delivers every event once, in order, and acknowledges it', async () => {
    const stream = newStream();
    await publish(
      stream,
      ['a', 'b', 'c'].map((id) => event(id)),
    );
    const seen: string[] = [];
    const consumer = await startConsumer({
      redis,
      group: 'g',
      consumer: 'c1',
      stream,
      log,
      handle: async (events) => void seen.push(...events.map((e) => e.entityId)),
    });
    running.push(consumer);
    await consumer.drained();
    await publish(stream, [event('d')]);
    await consumer.drained();
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(await consumer.lag()).toBe(0);
    const pending = (await redis.xpending(stream, 'g')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('retries a failing event and moves it to the dead-letter stream with the reason after the limit', async () => {
    const stream = newStream();
    await publish(stream, [event('good'), event('poison'), event('after')]);
    const applied: string[] = [];
    let poisonAttempts = 0;
    const consumer = await startConsumer({
      redis,
      group: 'g',
      consumer: 'c1',
      stream,
      log,
      maxDeliveries: 3,
      handle: async (events) => {
        if (events.some((e) => e.entityId === 'poison')) {
          poisonAttempts += 1;
          throw new Error('cannot index poison');
        }
        applied.push(...events.map((e) => e.entityId));
      },
    });
    running.push(consumer);
    await consumer.drained();
    expect(applied).toEqual(['good', 'after']);
    const dead = await redis.xrange(deadLetterStream(stream), '-', '+');
    expect(dead).toHaveLength(1);
    const fields = dead[0]![1];
    expect(fields[fields.indexOf('reason') + 1]).toBe('cannot index poison');
    expect(poisonAttempts).toBeGreaterThanOrEqual(3);
  });

  it('hands the entries of a consumer killed mid-batch (SIGKILL) to another, losing none', async () => {
    const stream = newStream();
    const ids = Array.from({ length: 20 }, (_, i) => `post-${i}`);
    await publish(
      stream,
      ids.map((id) => event(id)),
    );
    const doomed = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('./hanging-consumer.ts', import.meta.url).pathname, stream, 'g'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) =>
      doomed.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('took-batch') && resolve()),
    );
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));
    const pending = (await redis.xpending(stream, 'g')) as [number, ...unknown[]];
    expect(pending[0]).toBe(20);

    const applied: string[] = [];
    const survivor = await startConsumer({
      redis,
      group: 'g',
      consumer: 'survivor',
      stream,
      log,
      claimIdleMs: 200,
      handle: async (events) => void applied.push(...events.map((e) => e.entityId)),
    });
    running.push(survivor);
    await survivor.drained();
    expect([...applied].sort()).toEqual([...ids].sort());
    expect(new Set(applied).size).toBe(20);
  });
});

describe('store outages (isTransient)', () => {
  it('waits out an outage longer than maxDeliveries attempts: every event applied once, none dead-lettered', async () => {
    const stream = newStream();
    await publish(
      stream,
      ['a', 'b', 'c'].map((id) => event(id)),
    );
    const { log: capturing, messages } = capturingLog();
    const maxDeliveries = 3;
    let storeUp = false;
    let failedAttempts = 0;
    const applied: string[] = [];
    const consumer = await startConsumer({
      redis,
      group: 'g',
      consumer: 'c1',
      stream,
      log: capturing,
      maxDeliveries,
      maxRetryDelayMs: 20,
      isTransient: (error) => error instanceof StoreUnavailable,
      handle: async (events) => {
        if (!storeUp) {
          failedAttempts += 1;
          throw new StoreUnavailable('connect ECONNREFUSED 127.0.0.1:9200');
        }
        applied.push(...events.map((e) => e.entityId));
      },
    });
    running.push(consumer);
    // Far more failed attempts than maxDeliveries for every one of the events.
    await waitFor(() => failedAttempts >= 4 * maxDeliveries * 3, 'failed attempts');
    await publish(stream, [event('d')]);

    // Nothing acknowledged, dead-lettered or counted as a delivery; the lag shows every event.
    expect(await consumer.lag()).toBe(4);
    const pending = await pendingEntries(stream, 'g');
    expect(pending).toHaveLength(3);
    expect(pending.map(([, , , deliveries]) => deliveries)).toEqual([1, 1, 1]);
    expect(await redis.xlen(deadLetterStream(stream))).toBe(0);
    expect(applied).toEqual([]);

    storeUp = true;
    await consumer.drained();
    expect(applied).toEqual(['a', 'b', 'c', 'd']);
    expect(await redis.xlen(deadLetterStream(stream))).toBe(0);
    expect(await pendingEntries(stream, 'g')).toEqual([]);
    // One warning for the whole outage, not one per attempt or event; one line when it ends.
    expect(messages().filter((msg) => msg.startsWith('store unavailable'))).toHaveLength(1);
    expect(messages().filter((msg) => msg.startsWith('store available again'))).toHaveLength(1);
    expect(messages().filter((msg) => msg.includes('retry') || msg.includes('dead-letter'))).toEqual([]);
  });

  it('still dead-letters an event that fails for a reason of its own, during and after an outage', async () => {
    const stream = newStream();
    await publish(stream, [event('good'), event('poison'), event('after')]);
    let outageAttempts = 0;
    let poisonAttempts = 0;
    const applied: string[] = [];
    const consumer = await startConsumer({
      redis,
      group: 'g',
      consumer: 'c1',
      stream,
      log,
      maxDeliveries: 3,
      maxRetryDelayMs: 20,
      isTransient: (error) => error instanceof StoreUnavailable,
      handle: async (events) => {
        if (outageAttempts < 10) {
          outageAttempts += 1;
          throw new StoreUnavailable('store restarting');
        }
        if (events.some((e) => e.entityId === 'poison')) {
          poisonAttempts += 1;
          throw new Error('cannot index poison');
        }
        applied.push(...events.map((e) => e.entityId));
      },
    });
    running.push(consumer);
    await consumer.drained();
    expect(outageAttempts).toBe(10);
    expect(applied).toEqual(['good', 'after']);
    const dead = await redis.xrange(deadLetterStream(stream), '-', '+');
    expect(dead).toHaveLength(1);
    const fields = dead[0]![1];
    expect(fields[fields.indexOf('reason') + 1]).toBe('cannot index poison');
    expect(JSON.parse(fields[fields.indexOf('event') + 1]!)).toMatchObject({ entityId: 'poison' });
    expect(poisonAttempts).toBeGreaterThanOrEqual(3);
  });

  it('keeps the entries it waits with: another consumer does not claim them as abandoned', async () => {
    const stream = newStream();
    await publish(
      stream,
      ['a', 'b'].map((id) => event(id)),
    );
    let failedAttempts = 0;
    const failing = {
      stream,
      redis,
      group: 'g',
      log,
      blockMs: 100,
      isTransient: (error: unknown) => error instanceof StoreUnavailable,
      handle: async () => {
        failedAttempts += 1;
        throw new StoreUnavailable('store restarting');
      },
    };
    running.push(await startConsumer({ ...failing, consumer: 'waiting', maxRetryDelayMs: 50 }));
    await waitFor(() => failedAttempts > 0, 'the first attempt');
    // Another consumer that takes over entries idle for 600 ms, watching for 3 s.
    running.push(await startConsumer({ ...failing, consumer: 'other', claimIdleMs: 600 }));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const pending = await pendingEntries(stream, 'g');
    expect(pending.map(([, owner, , deliveries]) => [owner, deliveries])).toEqual([
      ['waiting', 1],
      ['waiting', 1],
    ]);
  });

  it('stops during an outage without waiting out the backoff, acknowledging nothing', async () => {
    const stream = newStream();
    await publish(
      stream,
      ['a', 'b'].map((id) => event(id)),
    );
    let failedAttempts = 0;
    const consumer = await startConsumer({
      redis,
      group: 'g',
      consumer: 'c1',
      stream,
      log,
      isTransient: (error) => error instanceof StoreUnavailable,
      handle: async () => {
        failedAttempts += 1;
        throw new StoreUnavailable('store restarting');
      },
    });
    // Backoff 200, 400, 800, 1600 ms: after the fifth attempt the consumer waits 3.2 s.
    await waitFor(() => failedAttempts >= 5, 'five attempts');
    const stopping = Date.now();
    await consumer.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
    expect(failedAttempts).toBe(5);
    expect(await pendingEntries(stream, 'g')).toHaveLength(2);
    expect(await redis.xlen(deadLetterStream(stream))).toBe(0);
  });
});
