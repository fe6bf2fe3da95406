import { randomBytes, randomUUID } from 'node:crypto';
import { deadLetterStream, eventFields, type DomainEvent } from '@aetherial/events';
import { createLogger, testSubgraphEnv } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { loadSearchConfig, type SearchConfig } from '../src/config.js';
import type { SearchEngine } from '../src/engine/engine.js';
import { createEngine } from '../src/engine/select.js';
import { LIVE_DOCUMENTS } from '../src/documents.js';
import { pendingAlias } from '../src/mappings.js';

/**
 * Every test file works in its own namespace: an alias `aetherial-search-test-<label>-<random>`
 * (never the real `aetherial-search`) and a stream `aetherial:test:search:<label>:<random>`.
 */
export interface TestNamespace {
  alias: string;
  stream: string;
}

export function testNamespace(label: string): TestNamespace {
  const id = randomBytes(4).toString('hex');
  return { alias: `aetherial-search-test-${label}-${id}`, stream: `aetherial:test:search:${label}:${id}` };
}

export function testConfig(namespace: TestNamespace, env: Record<string, string> = {}): SearchConfig {
  return loadSearchConfig({
    ...process.env,
    ...testSubgraphEnv(),
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    SEARCH_PORT: '0',
    SEARCH_ALIAS: namespace.alias,
    EVENTS_STREAM: namespace.stream,
    // Tests start the indexer themselves.
    SEARCH_INDEXER_ENABLED: 'false',
    ...env,
  });
}

export const testLog = createLogger('search-test', process.env.LOG_LEVEL ?? 'silent');

export function testEngine(namespace: TestNamespace): SearchEngine {
  return createEngine(testConfig(namespace));
}

export function testRedis(): Redis {
  return new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
}

/** Deletes the namespace's indices (behind both aliases) and its streams. */
export async function cleanUp(engine: SearchEngine, redis: Redis, namespace: TestNamespace): Promise<void> {
  const indices = [
    ...(await engine.aliasTargets(namespace.alias)),
    ...(await engine.aliasTargets(pendingAlias(namespace.alias))),
  ];
  for (const index of new Set(indices)) await engine.deleteIndex(index);
  await redis.del(namespace.stream, deadLetterStream(namespace.stream));
}

export function domainEvent(
  type: string,
  entityId: string,
  version: number,
  payload: Record<string, unknown> | null,
): DomainEvent {
  const entity = type.replace(/(Created|Updated|Deleted|Published)$/, '');
  return {
    eventId: randomUUID(),
    type,
    entity,
    entityId,
    version,
    occurredAt: new Date().toISOString(),
    payload,
  };
}

/** XADDs events the way the outbox relay does (same fields). */
export async function publish(redis: Redis, stream: string, events: DomainEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += 500) {
    const pipeline = redis.pipeline();
    for (const event of events.slice(start, start + 500)) pipeline.xadd(stream, '*', ...eventFields(event));
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }
}

export interface IndexedDocument {
  id: string;
  version: number;
  source: Record<string, unknown>;
}

/** Every live document (or, with `tombstones`, every tombstone) behind an alias or index, by id. */
export async function allDocuments(
  engine: SearchEngine,
  target: string,
  { tombstones = false } = {},
): Promise<Map<string, IndexedDocument>> {
  await engine.refresh(target);
  const result = await engine.search<Record<string, unknown>>(target, {
    size: 10_000,
    version: true,
    query: tombstones ? { term: { deleted: true } } : LIVE_DOCUMENTS,
    sort: [{ key: 'asc' }],
  });
  return new Map(
    result.hits.map((hit) => [hit.id, { id: hit.id, version: hit.version ?? -1, source: hit.source }]),
  );
}

export const sampleTime = '2025-01-15T10:00:00.000Z';

export const userPayload = (id: string, handle: string, displayName: string) => ({
  id,
  handle,
  displayName,
  createdAt: sampleTime,
});

export const productPayload = (
  id: string,
  sku: string,
  title: string,
  priceCents: number,
  description = '',
) => ({
  id,
  sku,
  title,
  description,
  priceCents,
  currency: 'EUR',
  stock: 5,
  createdAt: sampleTime,
});

export const postPayload = (
  id: string,
  fields: {
    title: string;
    body?: string;
    tags?: string[];
    authorId?: string;
    status?: 'DRAFT' | 'PUBLISHED';
  },
) => ({
  id,
  authorId: fields.authorId ?? 'author-1',
  title: fields.title,
  body: fields.body ?? '',
  tags: fields.tags ?? [],
  status: fields.status ?? 'PUBLISHED',
  createdAt: sampleTime,
  updatedAt: sampleTime,
});
