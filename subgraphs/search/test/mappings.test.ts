import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../src/aliases.js';
import { MAPPING_VERSION, searchIndexDefinition } from '../src/mappings.js';
import { applyEvents, BulkWriteError } from '../src/indexer.js';
import { cleanUp, domainEvent, postPayload, testEngine, testNamespace, testRedis } from './helpers.js';

const namespace = testNamespace('mappings');
const engine = testEngine(namespace);
const redis = testRedis();
const definition = searchIndexDefinition();
let index: string;

beforeAll(async () => {
  [index] = (await ensureIndex(engine, namespace.alias, definition)) as [string];
});

afterAll(async () => {
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
});

describe('index definition', () => {
  it('creates a versioned index behind the alias, once', async () => {
    expect(index).toMatch(new RegExp(`^${namespace.alias}-v\\d{13}$`));
    expect(await ensureIndex(engine, namespace.alias, definition)).toEqual([index]);
    expect(await engine.mappingMeta(index)).toMatchObject({ mappingVersion: MAPPING_VERSION });
  });

  it('stems English words and drops stop words', async () => {
    expect(await engine.analyze(index, 'english', 'running')).toEqual(['run']);
    expect(await engine.analyze(index, 'english', 'the runs')).toEqual(['run']);
  });

  it('finds "running" when searching "run" (stemming at index and query time)', async () => {
    await applyEvents(engine, namespace.alias, definition, [
      domainEvent('PostCreated', 'stem-1', 1, postPayload('stem-1', { title: 'Running in the rain' })),
      domainEvent('PostCreated', 'stem-2', 1, postPayload('stem-2', { title: 'Baking bread' })),
    ]);
    await engine.refresh(namespace.alias);
    const result = await engine.search<{ entityId: string }>(namespace.alias, {
      query: { match: { title: 'run' } },
    });
    expect(result.hits.map((hit) => hit.source.entityId)).toEqual(['stem-1']);
  });

  it('cuts names into prefixes for autocomplete, without cutting what is typed', async () => {
    expect(await engine.analyze(index, 'autocomplete_index', 'Café')).toEqual(['c', 'ca', 'caf', 'cafe']);
    expect(await engine.analyze(index, 'autocomplete_search', 'Caf Sho')).toEqual(['caf', 'sho']);
    // A typed word longer than the longest gram is cut to it, so it still matches.
    const long = 'internationalizations';
    expect(await engine.analyze(index, 'autocomplete_search', long)).toEqual([long.slice(0, 20)]);
  });

  it('refuses a document the mapping does not allow (and the batch fails)', async () => {
    // priceCents is an integer field: 2^33 does not fit, a per-item 400 that is not a conflict.
    const events = [
      domainEvent('ProductCreated', 'too-expensive', 1, {
        sku: 'X-1',
        title: 'Too expensive',
        priceCents: 2 ** 33,
        createdAt: '2025-01-01T00:00:00.000Z',
      }),
    ];
    const error = await applyEvents(engine, namespace.alias, definition, events).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BulkWriteError);
    expect((error as BulkWriteError).failures[0]?.error).toMatch(/mapper_parsing_exception|out of range/i);
  });
});
