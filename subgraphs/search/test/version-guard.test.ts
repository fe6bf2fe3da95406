import { VERSION_GUARD_SCENARIOS } from '@aetherial/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../src/aliases.js';
import { documentKey, isTombstone } from '../src/documents.js';
import { applyEvents } from '../src/indexer.js';
import { searchIndexDefinition } from '../src/mappings.js';
import { rebuildIndex } from '../src/rebuild.js';
import { createSearchService } from '../src/service.js';
import {
  cleanUp,
  domainEvent,
  postPayload,
  testEngine,
  testLog,
  testNamespace,
  testRedis,
} from './helpers.js';

const namespace = testNamespace('guard');
const engine = testEngine(namespace);
const redis = testRedis();
const alias = namespace.alias;
// A real delete's version is forgotten after `index.gc_deletes`; with 0 it is forgotten at once,
// so only a tombstone document can keep a late older event out.
const definition = (() => {
  const base = searchIndexDefinition();
  return { ...base, settings: { ...base.settings, 'index.gc_deletes': '0s' } };
})();
const service = createSearchService(engine, alias);

beforeAll(async () => {
  await ensureIndex(engine, alias, definition, testLog);
});

afterAll(async () => {
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
});

/** What a reader of search finds for the post's own words: its id among the hits, or not. */
async function searchable(postId: string, words: string): Promise<boolean> {
  await engine.refresh(alias);
  const found = await service.search({ query: words }, testLog);
  const suggested = await service.suggest({ prefix: words }, testLog);
  const inSearch = found.edges.some((edge) => edge.node.item.id === postId);
  const inSuggest = suggested.some((suggestion) => suggestion.id === postId);
  expect(inSuggest).toBe(inSearch);
  return inSearch;
}

describe('the version-guard contract of @aetherial/events on OpenSearch', () => {
  for (const [n, scenario] of VERSION_GUARD_SCENARIOS.entries()) {
    it(scenario.name, async () => {
      const postId = `guard-${n}`;
      const words = `zymurgy${n}`;
      const applied: boolean[] = [];
      for (const step of scenario.steps) {
        const event = step.deleted
          ? domainEvent('PostDeleted', postId, step.version, null)
          : domainEvent(
              'PostUpdated',
              postId,
              step.version,
              postPayload(postId, { title: `${words} brewing v${step.version}` }),
            );
        const { results } = await applyEvents(engine, alias, definition, [event], testLog);
        applied.push(results.every((result) => result.outcome === 'written'));
        // Lets the engine prune what it would forget of a real delete before the next step.
        await engine.refresh(alias);
      }
      expect(applied).toEqual(scenario.applied);
      const stored = await engine.get(alias, documentKey('Post', postId));
      const last = Math.max(...scenario.steps.map((step) => step.version));
      expect(stored?.version).toBe(last);
      expect(isTombstone(stored!.source)).toBe(scenario.visibleVersion === null);
      expect(await searchable(postId, words)).toBe(scenario.visibleVersion !== null);
    });
  }

  it('a rebuild from the sources of truth keeps the tombstones, so a late older event stays out', async () => {
    const postId = 'guard-rebuilt';
    await applyEvents(engine, alias, definition, [
      domainEvent('PostCreated', postId, 1, postPayload(postId, { title: 'quaffable stout' })),
      domainEvent('PostDeleted', postId, 2, null),
    ]);
    // The sources no longer hold the post: an empty source stands for them.
    const empty = { name: 'empty source', pages: async function* () {}, close: async () => undefined };
    const result = await rebuildIndex({ engine, alias, definition, sources: [empty], log: testLog });
    expect(result.documents[`tombstones of the live index (${alias})`]).toBeGreaterThanOrEqual(1);
    const { results } = await applyEvents(engine, alias, definition, [
      domainEvent('PostUpdated', postId, 1, postPayload(postId, { title: 'quaffable stout' })),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['stale']);
    expect(await searchable(postId, 'quaffable')).toBe(false);
  });
});
