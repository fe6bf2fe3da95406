import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
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
