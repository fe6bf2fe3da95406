import { createServer } from 'node:net';
import { deadLetterStream } from '@aetherial/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchEngine } from '../src/engine/engine.js';
import { createEngine } from '../src/engine/select.js';
import { BulkWriteError, isEngineOutage, startIndexer, type RunningIndexer } from '../src/indexer.js';
import { isTombstone } from '../src/documents.js';
import { searchIndexDefinition } from '../src/mappings.js';
import { waitIndexed, waitRemoved } from '../src/wait.js';
import {
  cleanUp,
  domainEvent,
  postPayload,
  productPayload,
  publish,
  testEngine,
  testLog,
  testConfig,
  testNamespace,
  testRedis,
  userPayload,
} from './helpers.js';

const namespace = testNamespace('indexer');
const engine = testEngine(namespace);
const redis = testRedis();
const alias = namespace.alias;
let indexer: RunningIndexer;

beforeAll(async () => {
  indexer = await startIndexer({
    engine,
    redis,
    alias,
    definition: searchIndexDefinition(),
    log: testLog,
    consumer: 'indexer-test',
    stream: namespace.stream,
    blockMs: 100,
  });
});

afterAll(async () => {
  await indexer.stop();
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
});

/** The live document (null when absent or a tombstone), as readers of the index see it. */
const stored = async (id: string) => {
  const document = await engine.get(alias, id);
  return document && !isTombstone(document.source) ? document : null;
};

describe('search indexer', () => {
  it('indexes users, products and published posts at their event version', async () => {
    await publish(redis, namespace.stream, [
      domainEvent('UserCreated', 'u-1', 1, userPayload('u-1', 'ada', 'Ada Lovelace')),
      domainEvent(
        'ProductCreated',
        'pr-1',
        1,
        productPayload('pr-1', 'SKU-1', 'Analytical engine', 99_00, 'Brass gears'),
      ),
      domainEvent(
        'PostCreated',
        'p-1',
        1,
        postPayload('p-1', { title: 'Notes', body: 'On the engine', tags: ['math', 'math'] }),
      ),
    ]);
    await indexer.drained();
    expect(await stored('User:u-1')).toMatchObject({
      version: 1,
      source: {
        key: 'User:u-1',
        type: 'User',
        entityId: 'u-1',
        handle: 'ada',
        displayName: 'Ada Lovelace',
        version: 1,
      },
    });
    expect((await stored('Product:pr-1'))?.source).toEqual({
      key: 'Product:pr-1',
      type: 'Product',
      entityId: 'pr-1',
      version: 1,
      sku: 'SKU-1',
      title: 'Analytical engine',
      description: 'Brass gears',
      priceCents: 9900,
      currency: 'EUR',
      createdAt: '2025-01-15T10:00:00.000Z',
    });
    expect((await stored('Post:p-1'))?.source).toMatchObject({
      status: 'PUBLISHED',
      tags: ['math'],
      authorId: 'author-1',
    });
  });

  it('ignores entities search does not cover', async () => {
    await publish(redis, namespace.stream, [
      domainEvent('OrderPlaced', 'o-1', 1, { id: 'o-1', totalCents: 100 }),
      domainEvent('CommentCreated', 'c-1', 1, { id: 'c-1', body: 'hi' }),
    ]);
    await indexer.drained();
    expect(await stored('Order:o-1')).toBeNull();
    expect(await stored('Comment:c-1')).toBeNull();
  });

  it('never lets an older event overwrite a newer document (external versioning)', async () => {
    const staleBefore = indexer.stats.stale;
    await publish(redis, namespace.stream, [
      domainEvent(
        'ProductUpdated',
        'pr-1',
        3,
        productPayload('pr-1', 'SKU-1', 'Analytical engine Mk III', 120_00),
      ),
      domainEvent(
        'ProductUpdated',
        'pr-1',
        2,
        productPayload('pr-1', 'SKU-1', 'Analytical engine Mk II', 110_00),
      ),
    ]);
    await indexer.drained();
    expect(await stored('Product:pr-1')).toMatchObject({
      version: 3,
      source: { title: 'Analytical engine Mk III', priceCents: 12000 },
    });

    // In separate batches the engine itself refuses the older write (409), counted as done.
    await publish(redis, namespace.stream, [
      domainEvent(
        'ProductUpdated',
        'pr-1',
        2,
        productPayload('pr-1', 'SKU-1', 'Analytical engine Mk II', 110_00),
      ),
    ]);
    await indexer.drained();
    expect(await stored('Product:pr-1')).toMatchObject({
      version: 3,
      source: { title: 'Analytical engine Mk III' },
    });
    expect(indexer.stats.stale).toBeGreaterThan(staleBefore);
  });

  it('treats a redelivered event (same version) as done', async () => {
    const again = domainEvent('UserUpdated', 'u-1', 2, userPayload('u-1', 'ada', 'Ada King'));
    await publish(redis, namespace.stream, [again]);
    await indexer.drained();
    await publish(redis, namespace.stream, [{ ...again }]);
    await indexer.drained();
    expect(await stored('User:u-1')).toMatchObject({ version: 2, source: { displayName: 'Ada King' } });
    expect(await redis.xlen(deadLetterStream(namespace.stream))).toBe(0);
  });

  it('removes a post that goes back to DRAFT, and a late older event does not bring it back', async () => {
    await publish(redis, namespace.stream, [
      domainEvent('PostUpdated', 'p-1', 2, postPayload('p-1', { title: 'Notes v2', status: 'PUBLISHED' })),
    ]);
    await waitIndexed(engine, alias, 'Post', 'p-1', 2);
    await publish(redis, namespace.stream, [
      domainEvent('PostUpdated', 'p-1', 3, postPayload('p-1', { title: 'Notes v3', status: 'DRAFT' })),
    ]);
    await indexer.drained();
    expect(await stored('Post:p-1')).toBeNull();

    await publish(redis, namespace.stream, [
      domainEvent('PostUpdated', 'p-1', 2, postPayload('p-1', { title: 'Notes v2' })),
    ]);
    await indexer.drained();
    expect(await stored('Post:p-1')).toBeNull();

    await publish(redis, namespace.stream, [
      domainEvent('PostUpdated', 'p-1', 4, postPayload('p-1', { title: 'Notes v4' })),
    ]);
    await waitIndexed(engine, alias, 'Post', 'p-1', 4);
    expect((await stored('Post:p-1'))?.source).toMatchObject({ title: 'Notes v4' });
  });

  it('removes a deleted post, versioned: the delete of an older version does nothing', async () => {
    await publish(redis, namespace.stream, [
      domainEvent('PostCreated', 'p-2', 1, postPayload('p-2', { title: 'Short-lived' })),
    ]);
    await waitIndexed(engine, alias, 'Post', 'p-2', 1);
    // A stale delete (version 1 <= stored 1) is refused; the document stays.
    await publish(redis, namespace.stream, [domainEvent('PostDeleted', 'p-2', 1, null)]);
    await indexer.drained();
    expect(await stored('Post:p-2')).not.toBeNull();

    await publish(redis, namespace.stream, [domainEvent('PostDeleted', 'p-2', 2, null)]);
    await waitRemoved(engine, alias, 'Post', 'p-2');
    await publish(redis, namespace.stream, [
      domainEvent('PostUpdated', 'p-2', 1, postPayload('p-2', { title: 'Late echo' })),
    ]);
    await indexer.drained();
    expect(await stored('Post:p-2')).toBeNull();
  });

  it('does not acknowledge a batch whose writes failed; the bad event ends in the dead-letter stream', async () => {
    await publish(redis, namespace.stream, [
      domainEvent('UserCreated', 'u-2', 1, userPayload('u-2', 'grace', 'Grace Hopper')),
      // Passes our checks but the engine refuses it: an integer field cannot hold 2^33.
      domainEvent('ProductCreated', 'pr-bad', 1, productPayload('pr-bad', 'SKU-BAD', 'Overflow', 2 ** 33)),
      // The payload lacks the title: refused before the engine.
      domainEvent('PostCreated', 'p-bad', 1, {
        id: 'p-bad',
        authorId: 'a',
        body: 'x',
        status: 'PUBLISHED',
        createdAt: '2025-01-01',
      }),
      domainEvent('UserCreated', 'u-3', 1, userPayload('u-3', 'alan', 'Alan Turing')),
    ]);
    await indexer.drained();
    expect(await stored('User:u-2')).not.toBeNull();
    expect(await stored('User:u-3')).not.toBeNull();
    expect(await stored('Product:pr-bad')).toBeNull();
    const dead = (await redis.xrange(deadLetterStream(namespace.stream), '-', '+')).map(([, fields]) => {
      const byName = new Map<string, string>();
      for (let i = 0; i < fields.length - 1; i += 2) byName.set(fields[i]!, fields[i + 1]!);
      return { id: byName.get('id'), reason: byName.get('reason') ?? '' };
    });
    expect(dead.map((entry) => entry.id).sort()).toEqual(['p-bad', 'pr-bad']);
    expect(dead.find((entry) => entry.id === 'pr-bad')?.reason).toMatch(/mapper_parsing_exception/);
    expect(dead.find((entry) => entry.id === 'p-bad')?.reason).toMatch(/title/);
    expect(await indexer.lag()).toBe(0);
  });
});

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The real engine while `down` is false; while true, an engine on a closed port (the client's own
 * connection errors, as when OpenSearch restarts). Counts the calls that failed during the outage.
 */
function restartingEngine(up: SearchEngine, unreachable: SearchEngine) {
  const state = { down: false, failedCalls: 0 };
  const engine = new Proxy(up, {
    get(_target, property) {
      const target = state.down ? unreachable : up;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return (await Reflect.apply(value, target, args)) as unknown;
        } catch (error) {
          if (target === unreachable) state.failedCalls += 1;
          throw error;
        }
      };
    },
  });
  return { engine, state };
}

describe('search indexer during an engine outage', () => {
  it('waits for the engine longer than maxDeliveries attempts, then indexes every event once, none dead-lettered', async () => {
    const outageNamespace = testNamespace('outage');
    const real = testEngine(outageNamespace);
    const unreachable = createEngine(
      testConfig(outageNamespace, { SEARCH_URL: `http://127.0.0.1:${await closedPort()}` }),
    );
    const { engine: restarting, state } = restartingEngine(real, unreachable);
    const maxDeliveries = 2;
    const waiting = await startIndexer({
      engine: restarting,
      redis,
      alias: outageNamespace.alias,
      definition: searchIndexDefinition(),
      log: testLog,
      consumer: 'outage-test',
      stream: outageNamespace.stream,
      blockMs: 100,
      maxDeliveries,
      maxRetryDelayMs: 50,
    });
    try {
      state.down = true;
      await publish(redis, outageNamespace.stream, [
        domainEvent('UserCreated', 'u-out-1', 1, userPayload('u-out-1', 'edsger', 'Edsger Dijkstra')),
        domainEvent('UserCreated', 'u-out-2', 1, userPayload('u-out-2', 'barbara', 'Barbara Liskov')),
        domainEvent('UserUpdated', 'u-out-1', 2, userPayload('u-out-1', 'edsger', 'E. W. Dijkstra')),
      ]);
      const deadline = Date.now() + 15_000;
      while (state.failedCalls < 5 * maxDeliveries * 3) {
        if (Date.now() > deadline) throw new Error(`only ${state.failedCalls} failed calls`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await redis.xlen(deadLetterStream(outageNamespace.stream))).toBe(0);
      expect(await waiting.lag()).toBe(3);
      expect(waiting.stats.events).toBe(0);

      state.down = false;
      await waiting.drained();
      expect(await real.get(outageNamespace.alias, 'User:u-out-1')).toMatchObject({
        version: 2,
        source: { displayName: 'E. W. Dijkstra' },
      });
      expect(await real.get(outageNamespace.alias, 'User:u-out-2')).toMatchObject({ version: 1 });
      // Applied once: one batch, two writes (the newest per document), none rejected as already there.
      expect(waiting.stats).toMatchObject({ batches: 1, events: 3, written: 2, stale: 0 });
      expect(await redis.xlen(deadLetterStream(outageNamespace.stream))).toBe(0);
      expect(await waiting.lag()).toBe(0);
    } finally {
      await waiting.stop();
      await cleanUp(real, redis, outageNamespace);
      await real.close();
      await unreachable.close();
    }
  });

  it('calls a bulk request an outage only when every failed item failed for the engine (429, 5xx)', () => {
    const item = (status: number) => ({
      index: 'i',
      id: 'x',
      status,
      outcome: 'failed' as const,
      error: 'e',
    });
    expect(isEngineOutage(new BulkWriteError([item(503), item(429)]))).toBe(true);
    expect(isEngineOutage(new BulkWriteError([item(503), item(400)]))).toBe(false);
    expect(isEngineOutage(new Error('connect ECONNREFUSED'))).toBe(false);
  });
});
