import type { DomainEvent } from '@aetherial/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../src/aliases.js';
import { applyEvents } from '../src/indexer.js';
import { MAPPING_VERSION, searchIndexDefinition } from '../src/mappings.js';
import { rebuildIndex } from '../src/rebuild.js';
import { createSearchService } from '../src/service.js';
import { liveIndexSource } from '../src/sources/live-index.js';
import {
  allDocuments,
  cleanUp,
  domainEvent,
  postPayload,
  productPayload,
  testEngine,
  testLog,
  testNamespace,
  testRedis,
} from './helpers.js';

const namespace = testNamespace('relevance');
const engine = testEngine(namespace);
const redis = testRedis();
const definition = searchIndexDefinition();
const service = createSearchService(engine, namespace.alias);

const post = (id: string, title: string, body: string, tags: string[] = []) =>
  domainEvent('PostCreated', id, 1, postPayload(id, { title, body, tags }));

const fixture: DomainEvent[] = [
  post(
    'starter-alive',
    'Keeping sourdough starter alive',
    'Feed it flour and water once a day, or weekly when it lives in the fridge.',
    ['baking'],
  ),
  post('bread', 'Baking sourdough bread', 'Flour, water and salt: the whole recipe.', ['baking']),
  post(
    'car-starter',
    'Replacing a worn car starter motor',
    'The engine would only click when I turned the key.',
  ),
  post('feeding-birds', 'Feeding birds in winter', 'Sunflower seeds and fat balls keep them coming.'),
  post('sofa', 'Why my cat scratches the sofa', 'A sisal post next to it redirected her claws.'),
  post('postgres', 'Speeding up slow PostgreSQL queries', 'A composite index took seconds to milliseconds.'),
  domainEvent(
    'ProductCreated',
    'kit',
    1,
    productPayload('kit', 'BAKE-003', 'Sourdough starter kit', 2499, 'A jar and dried culture'),
  ),
  ...Array.from({ length: 7 }, (_, n) =>
    post(`garden-${n}`, `Garden diary ${n}`, `Tomatoes and basil, week ${n}.`, ['gardening']),
  ),
];

const search = (
  query: string,
  extra: Parameters<typeof service.search>[0] extends infer A ? Partial<A> : never = {},
) => service.search({ query, ...extra }, testLog);
const ids = (result: Awaited<ReturnType<typeof search>>) => result.edges.map((edge) => edge.node.item.id);

beforeAll(async () => {
  await ensureIndex(engine, namespace.alias, definition);
  await applyEvents(engine, namespace.alias, definition, fixture);
  await engine.refresh(namespace.alias);
});

afterAll(async () => {
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
});

describe('questions and long queries', () => {
  it('answers the question from issue 14 with the post that answers it', async () => {
    const result = await search('how often should I feed my sourdough starter');
    expect(result.totalCount).toBeGreaterThan(0);
    expect(ids(result)[0]).toBe('starter-alive');
    expect(result.didYouMean).toBeNull();
    // Sharing one word ("starter", "feed") is not enough for a four-word question.
    expect(ids(result)).not.toContain('car-starter');
    expect(ids(result)).not.toContain('feeding-birds');
  });

  it('ranks items with all the words above items with some of them', async () => {
    const result = await search('sourdough starter feeding');
    // All three words, then two of them; "bread" has one only (two of three are needed).
    expect(ids(result)).toEqual(['starter-alive', 'kit']);
  });

  it('keeps short queries precise: both of two words must match', async () => {
    expect(ids(await search('sourdough bread'))).toEqual(['bread']);
    expect(ids(await search('car starter'))).toEqual(['car-starter']);
  });

  it('drops question words in the analyser, at index and search time', async () => {
    const [index] = await engine.aliasTargets(namespace.alias);
    const question = 'How often should I feed my sourdough starter?';
    expect(await engine.analyze(index!, 'english_text', question)).toEqual([
      'often',
      'feed',
      'sourdough',
      'starter',
    ]);
    expect(await engine.analyze(index!, 'plain_text', 'Why is my cat scratching')).toEqual([
      'cat',
      'scratching',
    ]);
  });

  it('falls back to any word when nothing has enough of them, rather than answering nothing', async () => {
    const result = await search('sourdough quantum entanglement');
    expect(result.totalCount).toBe(3);
    expect(ids(result).sort()).toEqual(['bread', 'kit', 'starter-alive']);
  });

  it('pages through a fallback answer in one order, without duplicates', async () => {
    const whole = ids(await search('garden quantum entanglement', { first: 10 }));
    expect(whole).toHaveLength(7);
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof search>> = await search('garden quantum entanglement', {
        first: 3,
        after,
      });
      paged.push(...ids(page));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
    expect(paged).toEqual(whole);
  });

  it('completes the word being typed', async () => {
    expect(ids(await search('sourdough star'))).toEqual(expect.arrayContaining(['starter-alive', 'kit']));
    expect(ids(await search('postgr'))[0]).toBe('postgres');
  });

  it('matches typos against whole words, not stems', async () => {
    // "feeding" is indexed as the stem "feed"; the typo is one edit from the word, not the stem.
    expect(ids(await search('feedinng birds'))).toEqual(['feeding-birds']);
  });

  it('treats query syntax as words (no injection into the engine query language)', async () => {
    const result = await search('sourdough AND (starter OR "kit" ~ * [');
    expect(ids(result)).toEqual(expect.arrayContaining(['starter-alive', 'kit']));
  });

  it('refuses a query of more words than the engine can safely expand', async () => {
    const words = Array.from({ length: 33 }, (_, n) => `word${n}`).join(' ');
    await expect(search(words)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'query' },
    });
    await expect(search(words.split(' ').slice(0, 32).join(' '))).resolves.toMatchObject({ totalCount: 0 });
  });
});

describe('synonyms (search time only)', () => {
  it('finds "sofa" for "couch" and "PostgreSQL" for "postgres"', async () => {
    expect(ids(await search('couch'))).toEqual(['sofa']);
    expect(ids(await search('postgres queries'))).toEqual(['postgres']);
  });

  it('applies them in the search analyser only: documents do not depend on the synonym file', async () => {
    const [index] = await engine.aliasTargets(namespace.alias);
    expect(await engine.analyze(index!, 'english_text', 'couch')).toEqual(['couch']);
    expect((await engine.analyze(index!, 'english_search', 'couch')).sort()).toEqual(['couch', 'sofa']);
  });

  it('a new synonym set goes live by copying the live index behind the alias (no source read)', async () => {
    const before = await allDocuments(engine, namespace.alias);
    const changed = searchIndexDefinition({ synonyms: ['sofa, settee'] });
    expect(ids(await search('settee'))).toEqual([]);
    const result = await rebuildIndex({
      engine,
      alias: namespace.alias,
      definition: changed,
      sources: [liveIndexSource(engine, namespace.alias)],
      log: testLog,
      pageSize: 4,
    });
    expect(result.documents).toEqual({
      [`tombstones of the live index (${namespace.alias})`]: 0,
      [`documents of the live index (${namespace.alias})`]: fixture.length,
    });
    expect(await engine.aliasTargets(namespace.alias)).toEqual([result.index]);
    const meta = await engine.mappingMeta(result.index);
    expect(meta).toMatchObject({ mappingVersion: MAPPING_VERSION });
    expect(meta.synonymsVersion).not.toBe(
      (definition.mappings._meta as { synonymsVersion: string }).synonymsVersion,
    );
    // Same documents at the same versions, new search analyser.
    const after = await allDocuments(engine, namespace.alias);
    expect([...after.values()].map(({ id, version }) => ({ id, version }))).toEqual(
      [...before.values()].map(({ id, version }) => ({ id, version })),
    );
    expect(ids(await search('settee'))).toEqual(['sofa']);
    expect(ids(await search('couch'))).toEqual([]);
    // Back to the reviewed file for the other tests.
    await rebuildIndex({
      engine,
      alias: namespace.alias,
      definition,
      sources: [liveIndexSource(engine, namespace.alias)],
      log: testLog,
    });
    expect(ids(await search('couch'))).toEqual(['sofa']);
  });
});

describe('did you mean', () => {
  it('answers zero only when nothing is related, with a correction from the index vocabulary', async () => {
    // Two edits from "birds" and from "bread": beyond the typo tolerance of a four-letter word
    // (one edit), within the suggester's (two).
    const result = await search('brdd');
    expect(result.totalCount).toBe(0);
    expect(result.edges).toEqual([]);
    expect(result.didYouMean).toMatch(/^(birds|bread)$/);
    expect((await search(result.didYouMean!)).totalCount).toBeGreaterThan(0);
  });

  it('offers nothing for a query with no near word', async () => {
    const result = await search('xqzvbw');
    expect(result.totalCount).toBe(0);
    expect(result.didYouMean).toBeNull();
  });

  it('offers a correction only if it finds something under the same filter', async () => {
    const result = await search('brdd', { filter: { types: ['USER'] } });
    expect(result.totalCount).toBe(0);
    expect(result.didYouMean).toBeNull();
  });

  it('leaves the suggestion out, not the answer, on an index older than mapping v2', async () => {
    const old = `${namespace.alias}-v1`;
    // The fields of mapping v1 that matter here: text with the built-in english analyser, no `spelling`.
    const properties = {
      key: { type: 'keyword' },
      type: { type: 'keyword' },
      title: { type: 'text', analyzer: 'english' },
    };
    await engine.createIndex(`${old}-index`, { settings: {}, mappings: { properties } }, [old]);
    try {
      const result = await createSearchService(engine, old).search({ query: 'brdd' }, testLog);
      expect(result).toMatchObject({ totalCount: 0, didYouMean: null });
    } finally {
      await engine.deleteIndex(`${old}-index`);
    }
  });

  it('is not set when the query finds something', async () => {
    expect((await search('sourdough')).didYouMean).toBeNull();
  });
});
