import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { DomainEvent } from '@aetherial/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexer, type RunningIndexer } from '../src/indexer.js';
import { pendingAlias, searchIndexDefinition } from '../src/mappings.js';
import { rebuildIndex } from '../src/rebuild.js';
import { mongoPostsSource } from '../src/sources/mongo.js';
import { postgresSources } from '../src/sources/postgres.js';
import {
  allDocuments,
  cleanUp,
  publish,
  testEngine,
  testLog,
  testNamespace,
  testRedis,
  type IndexedDocument,
} from './helpers.js';
import { sourcesFixture, testDatabaseUrl, testMongoUrl, type SourcesFixture } from './sources-fixture.js';

const live = testNamespace('reindex');
const fresh = testNamespace('reindex-fresh');
const engine = testEngine(live);
const redis = testRedis();
const definition = searchIndexDefinition();
const packageDir = fileURLToPath(new URL('..', import.meta.url));
let sources: SourcesFixture;
let indexer: RunningIndexer;
const ids = { users: [] as string[], products: [] as string[], posts: [] as string[] };

const sourcesOfTruth = () => [...postgresSources(testDatabaseUrl), mongoPostsSource(testMongoUrl)];

async function rebuild(alias: string, options: Partial<Parameters<typeof rebuildIndex>[0]> = {}) {
  const readers = sourcesOfTruth();
  try {
    return await rebuildIndex({
      engine,
      alias,
      definition,
      sources: readers,
      log: testLog,
      pageSize: 7,
      ...options,
    });
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
  }
}

function comparable(documents: Map<string, IndexedDocument>) {
  return [...documents.values()].map(({ id, version, source }) => ({ id, version, source }));
}

beforeAll(async () => {
  sources = await sourcesFixture();
  const events: DomainEvent[] = [];
  for (let n = 0; n < 24; n += 1) {
    const user = await sources.createUser(`runner${n}`, `Runner ${n}`);
    ids.users.push(user.id);
    events.push(user.event);
    if (n % 3 === 0) events.push(await sources.renameUser(user.id, `Runner ${n} the Second`));
  }
  for (let n = 0; n < 17; n += 1) {
    const product = await sources.createProduct(`SKU-${n}`, `Running shoe ${n}`, 1000 + n * 250);
    ids.products.push(product.id);
    events.push(product.event);
    if (n % 4 === 0) events.push(await sources.repriceProduct(product.id, 999));
  }
  for (let n = 0; n < 20; n += 1) {
    const post = await sources.createPost(`Training log ${n}`, n % 2 ? ['running'] : ['running', 'trail']);
    ids.posts.push(post.id);
    events.push(post.event);
    if (n % 5 === 1) events.push(await sources.setPostStatus(post.id, 'DRAFT'));
    if (n % 5 === 2) events.push(await sources.deletePost(post.id));
  }
  indexer = await startIndexer({
    engine,
    redis,
    alias: live.alias,
    definition,
    log: testLog,
    consumer: 'reindex-test',
    stream: live.stream,
    blockMs: 100,
  });
  await publish(redis, live.stream, events);
  await indexer.drained();
});

afterAll(async () => {
  await indexer?.stop();
  await cleanUp(engine, redis, live);
  await cleanUp(engine, redis, fresh);
  redis.disconnect();
  await sources?.close();
  await engine.close();
});

describe('reindex', () => {
  it('builds from the sources of truth exactly what the events built (ids, versions, fields)', async () => {
    const incremental = await allDocuments(engine, live.alias);
    // 24 users + 17 products + 20 posts, of which 4 are drafts and 4 deleted.
    expect(incremental.size).toBe(24 + 17 + 12);
    const result = await rebuild(fresh.alias);
    expect(result.documents).toEqual({
      [`tombstones of the live index (${fresh.alias})`]: 0,
      'users (PostgreSQL "User")': 24,
      'products (PostgreSQL "Product")': 17,
      'posts (MongoDB "posts")': 12,
    });
    expect(comparable(await allDocuments(engine, fresh.alias))).toEqual(comparable(incremental));
    expect(incremental.get(`User:${ids.users[0]}`)).toMatchObject({
      version: 2,
      source: { displayName: 'Runner 0 the Second' },
    });
  });

  it('swaps the alias without losing events that arrive while it runs', async () => {
    const [oldIndex] = await engine.aliasTargets(live.alias);
    const firstUser = [...ids.users].sort()[0]!;
    let duringReindex: { read: string[]; pending: string[]; hits: number } | undefined;
    let created: string | undefined;
    let renamed: DomainEvent | undefined;

    const result = await rebuild(live.alias, {
      onPage: async ({ source, documents }) => {
        if (duringReindex || !source.startsWith('users')) return;
        // The first page of users is already in the new index: change one of them now, so only
        // the indexer's write (to both indices) can bring the change over.
        renamed = await sources.renameUser(firstUser, 'Renamed during reindex');
        const events = [renamed, await sources.deletePost(ids.posts[0]!)];
        const product = await sources.createProduct('SKU-NEW', 'Running vest', 4500);
        created = product.id;
        events.push(product.event);
        await publish(redis, live.stream, events);
        await indexer.drained();
        await engine.refresh(live.alias);
        duringReindex = {
          read: await engine.aliasTargets(live.alias),
          pending: await engine.aliasTargets(pendingAlias(live.alias)),
          hits: (await engine.search(live.alias, { query: { match: { title: 'running' } } })).total,
        };
        expect(documents).toBe(7);
      },
    });

    // Readers kept the old index (and its results) until the swap.
    expect(duringReindex?.read).toEqual([oldIndex]);
    expect(duringReindex?.pending).toEqual([result.index]);
    expect(duringReindex?.hits).toBeGreaterThan(0);
    expect(result.replaced).toEqual([oldIndex]);
    expect(await engine.aliasTargets(live.alias)).toEqual([result.index]);
    expect(await engine.aliasTargets(pendingAlias(live.alias))).toEqual([]);
    await expect(engine.count(oldIndex!)).rejects.toMatchObject({ status: 404 });

    const documents = await allDocuments(engine, live.alias);
    expect(renamed?.version).toBeGreaterThan(1);
    expect(documents.get(`User:${firstUser}`)).toMatchObject({
      version: renamed?.version,
      source: { displayName: 'Renamed during reindex' },
    });
    expect(documents.has(`Post:${ids.posts[0]}`)).toBe(false);
    expect(documents.get(`Product:${created}`)).toMatchObject({
      version: 1,
      source: { title: 'Running vest' },
    });
    // And the result is what a rebuild from the sources now gives.
    await cleanUp(engine, redis, fresh);
    await rebuild(fresh.alias);
    expect(comparable(await allDocuments(engine, fresh.alias))).toEqual(comparable(documents));
  });

  it('refuses to start over an unfinished reindex unless forced, and leaves nothing behind on failure', async () => {
    const abandoned = `${live.alias}-v1`;
    await engine.createIndex(abandoned, definition, [pendingAlias(live.alias)]);
    await expect(rebuild(live.alias)).rejects.toThrow(/--force/);
    const [before] = await engine.aliasTargets(live.alias);

    const failing = await rebuild(live.alias, {
      force: true,
      onPage: () => {
        throw new Error('source went away');
      },
    }).catch((error: unknown) => error);
    expect(String(failing)).toMatch(/source went away/);
    expect(await engine.aliasTargets(live.alias)).toEqual([before]);
    expect(await engine.aliasTargets(pendingAlias(live.alias))).toEqual([]);
    await expect(engine.count(abandoned)).rejects.toMatchObject({ status: 404 });
  });

  it('runs as `npm run reindex` (tsx src/reindex.ts)', async () => {
    const [before] = await engine.aliasTargets(live.alias);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/reindex.ts'], {
      cwd: packageDir,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        SEARCH_ALIAS: live.alias,
        DATABASE_URL: testDatabaseUrl,
        MONGODB_URL: testMongoUrl,
      },
    });
    expect(stdout).toMatch(/reindex finished/);
    const [after] = await engine.aliasTargets(live.alias);
    expect(after).not.toBe(before);
    expect((await allDocuments(engine, live.alias)).size).toBe(24 + 18 + 11);
  });
});
