import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import {
  deadLetterStreamOf,
  startStreamConsumer,
  type RunningConsumer,
  type StreamEntry,
} from '../src/stream-consumer.js';
import { connectRedis } from './helpers.js';

const stream = `aetherial:test:consumer-${randomBytes(4).toString('hex')}`;
const redis = connectRedis();
const running: RunningConsumer[] = [];
const connections: Redis[] = [];

class Unavailable extends Error {}

function consume(
  name: string,
  handle: (entry: StreamEntry) => Promise<void>,
  maxDeliveries = 3,
): RunningConsumer {
  const connection = connectRedis();
  connections.push(connection);
  const consumer = startStreamConsumer({
    redis: connection,
    stream,
    group: 'generic-test',
    consumer: name,
    handle,
    log: pino({ level: 'silent' }),
    maxDeliveries,
    retryAfterMs: 30,
    blockMs: 100,
    isTransient: (error) => error instanceof Unavailable,
  });
  running.push(consumer);
  return consumer;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  for (const connection of connections.splice(0)) connection.disconnect();
});

afterAll(async () => {
  await redis.del(stream, deadLetterStreamOf(stream));
  redis.disconnect();
});

const valueOf = (entry: StreamEntry) => entry.fields[entry.fields.indexOf('value') + 1];

describe('stream consumer', () => {
  it('retries a failing entry a bounded number of times, then dead-letters it with the reason', async () => {
    const calls = new Map<string, number>();
    const handled: string[] = [];
    const failingId = await redis.xadd(stream, '*', 'value', 'fails');
    await redis.xadd(stream, '*', 'value', 'works');
    const consumer = consume('retrying', async (entry) => {
      const value = valueOf(entry)!;
      calls.set(value, (calls.get(value) ?? 0) + 1);
      if (value === 'fails') throw new Error('cannot apply this one');
      handled.push(value);
    });
    await consumer.drain();
    expect(calls.get('fails')).toBe(3);
    expect(handled).toEqual(['works']);
    const [letter] = await redis.xrange(deadLetterStreamOf(stream), '-', '+');
    const fields = letter![1];
    const field = (name: string) => fields[fields.indexOf(name) + 1];
    expect(field('value')).toBe('fails');
    expect(field('reason')).toBe('Error: cannot apply this one');
    expect(field('deliveries')).toBe('3');
    expect(field('sourceEntryId')).toBe(failingId);
  });

  it('waits out a store outage without dead-lettering', async () => {
    let outage = 3; // more failures than maxDeliveries (2)
    const handled: string[] = [];
    await redis.xadd(stream, '*', 'value', 'during-outage');
    const before = await redis.xlen(deadLetterStreamOf(stream));
    const consumer = consume(
      'patient',
      async (entry) => {
        if (outage > 0) {
          outage -= 1;
          throw new Unavailable('store down');
        }
        handled.push(valueOf(entry)!);
      },
      2,
    );
    await consumer.drain();
    expect(handled).toEqual(['during-outage']);
    expect(await redis.xlen(deadLetterStreamOf(stream))).toBe(before);
  });
});
