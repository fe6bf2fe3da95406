import { deadLetterStream } from '@aetherial/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexer, type RunningIndexer } from '../src/indexer.js';
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

const stored = (id: string) => engine.get(alias, id);

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
