import { purgeTombstones, trimEventLog } from '@aetherial/events';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../src/aliases.js';
import { isTombstone } from '../src/documents.js';
import { startIndexer } from '../src/indexer.js';
import { MAPPING_VERSION, searchIndexDefinition, versionedIndexName } from '../src/mappings.js';
import { searchTombstones } from '../src/tombstones.js';
import { waitIndexed, waitRemoved } from '../src/wait.js';
import {
  cleanUp,
  domainEvent,
  postPayload,
  publish,
  testEngine,
  testLog,
  testNamespace,
  testRedis,
} from './helpers.js';

const namespace = testNamespace('tombstones');
const engine = testEngine(namespace);
const redis = testRedis();
const alias = namespace.alias;

afterAll(async () => {
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
});

describe('search tombstones', () => {
  it('are forgotten once the event log holds nothing from before them, and kept while it does', async () => {
    const indexer = await startIndexer({
      engine,
      redis,
      alias,
      definition: searchIndexDefinition(),
      log: testLog,
      consumer: 'tombstones-test',
      stream: namespace.stream,
      blockMs: 100,
    });
    try {
      await publish(redis, namespace.stream, [
        domainEvent('PostCreated', 'gone', 1, postPayload('gone', { title: 'Short-lived' })),
        domainEvent('PostCreated', 'kept', 1, postPayload('kept', { title: 'Still here' })),
        domainEvent('PostDeleted', 'gone', 2, null),
      ]);
      await waitIndexed(engine, alias, 'Post', 'kept', 1);
      await waitRemoved(engine, alias, 'Post', 'gone');
      await indexer.drained();
      const tombstone = await engine.get(alias, 'Post:gone');
      expect(tombstone && isTombstone(tombstone.source)).toBe(true);
      expect(tombstone?.source.removedAt).toEqual(expect.any(String));
      const options = {
        redis,
        log: testLog,
        tombstones: searchTombstones(engine, alias),
        intervalMs: 0,
        minAgeMs: 0,
        stream: namespace.stream,
        partitions: 1,
      };

      // The log still holds PostCreated v1 of `gone`: a late redelivery of it must stay refused.
      expect((await purgeTombstones(options)).purged).toBe(0);
      expect((await engine.get(alias, 'Post:gone'))?.version).toBe(2);

      // Every group acknowledged everything: the trim empties the log, and the tombstone can go.
      await trimEventLog(redis, { stream: namespace.stream, deadLetterRetentionMs: 0, approximate: false });
      expect(await redis.xlen(namespace.stream)).toBe(0);
      expect((await purgeTombstones(options)).purged).toBe(1);
      expect(await engine.get(alias, 'Post:gone')).toBeNull();
      expect((await engine.get(alias, 'Post:kept'))?.version).toBe(1);
    } finally {
      await indexer.stop();
    }
  });

  it('upgrades an index of mapping 3 in place, so tombstones with their time can be written without a reindex', async () => {
    const upgrade = testNamespace('upgrade');
    const definition = searchIndexDefinition();
    const { removedAt: _added, ...properties } = definition.mappings.properties as Record<string, unknown>;
    const old = {
      ...definition,
      mappings: {
        ...definition.mappings,
        _meta: { ...(definition.mappings._meta as object), mappingVersion: 3 },
        properties,
      },
    };
    try {
      await engine.createIndex(versionedIndexName(upgrade.alias), old, [upgrade.alias]);
      expect((await engine.mappingMeta(upgrade.alias)).mappingVersion).toBe(3);
      await ensureIndex(engine, upgrade.alias, definition, testLog);
      expect((await engine.mappingMeta(upgrade.alias)).mappingVersion).toBe(MAPPING_VERSION);
      const results = await engine.bulk([
        {
          action: 'index',
          index: upgrade.alias,
          id: 'Post:old',
          version: 3,
          source: {
            key: 'Post:old',
            type: 'Post',
            entityId: 'old',
            version: 3,
            deleted: true,
            removedAt: new Date().toISOString(),
          },
        },
      ]);
      expect(results.map((result) => result.outcome)).toEqual(['written']);
    } finally {
      await cleanUp(engine, redis, upgrade);
    }
  });
});
