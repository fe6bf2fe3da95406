import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deadLetterStream,
  eventFields,
  VERSION_GUARD_SCENARIOS,
  type DomainEvent,
  type RunningConsumer,
} from '@aetherial/events';
import type { Redis } from 'ioredis';
import neo4j, { type Driver } from 'neo4j-driver';
import { pino } from 'pino';
import { Graph } from '../src/neo4j.js';
import { Projection } from '../src/projection.js';
import { projectEvent, startProjector } from '../src/projector.js';
import { SocialStore } from '../src/store.js';
import { connectDriver, connectRedis, deleteTestNodes, newPrefix, waitFor } from './helpers.js';

const prefix = newPrefix();
const id = (name: string) => `${prefix}${name}`;
const stream = `aetherial:test:${prefix}events`;
const group = 'social-projector-test';
const silent = pino({ level: 'silent' });
let driver: Driver;
let graph: Graph;
let redis: Redis;
const running: RunningConsumer[] = [];
const connections: Redis[] = [];

beforeAll(() => {
  driver = connectDriver();
  graph = new Graph(driver);
  redis = connectRedis();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  for (const connection of connections.splice(0)) connection.disconnect();
});

afterAll(async () => {
  await redis.del(stream, deadLetterStream(stream));
  redis.disconnect();
  await deleteTestNodes(driver, prefix);
  await driver.close();
});

let eventCounter = 0;
function postEvent(
  type: 'PostCreated' | 'PostUpdated' | 'PostDeleted',
  postId: string,
  version: number,
  payload: Record<string, unknown> | null,
): DomainEvent {
  eventCounter += 1;
  return {
    eventId: `${prefix}event${eventCounter}`,
    type,
    entity: 'Post',
    entityId: postId,
    version,
    occurredAt: new Date().toISOString(),
    payload,
  };
}

const postPayload = (postId: string, authorId: string, status = 'PUBLISHED') => ({
  id: postId,
  authorId,
  createdAt: '2025-06-01T10:00:00Z',
  status,
  title: 'ignored by social',
});

const publish = (event: DomainEvent) => redis.xadd(stream, '*', ...eventFields(event));

interface PostNode {
  version: number;
  status: string | null;
  authorId: string | null;
  deleted: boolean | null;
  authors: string[];
  likes: number;
}

async function postNode(postId: string): Promise<PostNode | undefined> {
  const rows = await graph.read<PostNode>(
    `MATCH (post:Post {id: $postId})
     RETURN post.version AS version, post.status AS status, post.authorId AS authorId, post.deleted AS deleted,
            COLLECT { MATCH (author:User)-[:AUTHORED]->(post) RETURN author.id } AS authors,
            COUNT { (post)<-[:LIKED]-() } AS likes`,
    { postId },
  );
  return rows[0];
}

function projector(
  consumer: string,
  overrides: { claimIdleMs?: number; maxDeliveries?: number; graph?: Graph } = {},
): RunningConsumer {
  const connection = connectRedis();
  connections.push(connection);
  const started = startProjector({
    graph,
    redis: connection,
    log: silent,
    stream,
    group,
    consumer,
    blockMs: 100,
    maxRetryDelayMs: 50,
    ...overrides,
  });
  running.push(started);
  return started;
}

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function pendingOf(consumer?: string): Promise<number> {
  const raw = await redis.call('XPENDING', stream, group, '-', '+', 100, ...(consumer ? [consumer] : []));
  return Array.isArray(raw) ? raw.length : 0;
}

describe('projecting post events', () => {
  const projection = () => new Projection(graph);

  // The version-guard contract of @aetherial/events, on Neo4j: each step is one delivery.
  for (const [n, scenario] of VERSION_GUARD_SCENARIOS.entries()) {
    it(`version guard: ${scenario.name}`, async () => {
      const postId = id(`guard${n}`);
      const follower = id(`guard${n}follower`);
      const author = id(`guard${n}author`);
      await graph.write('MERGE (:User {id: $follower})-[:FOLLOWS]->(:User {id: $author})', {
        follower,
        author,
      });
      const outcomes: string[] = [];
      for (const step of scenario.steps) {
        const event = step.deleted
          ? postEvent('PostDeleted', postId, step.version, null)
          : postEvent('PostUpdated', postId, step.version, postPayload(postId, author));
        outcomes.push(await projectEvent(projection(), event));
      }
      expect(outcomes).toEqual(scenario.applied.map((applied) => (applied ? 'applied' : 'stale')));
      const last = scenario.steps.reduce((high, step) => Math.max(high, step.version), 0);
      expect(await projection().postGuardRecord(postId)).toEqual({
        version: last,
        deleted: scenario.visibleVersion === null,
      });
      // What readers see: the post in its author's follower's feed, or not at all.
      const store = new SocialStore(graph, stream);
      const feed = await store.feedPage(follower, null, 10);
      expect(feed.map((row) => row.id)).toEqual(scenario.visibleVersion === null ? [] : [postId]);
    });
  }

  it('applies an event once even when it is delivered twice', async () => {
    const postId = id('twice');
    const created = postEvent('PostCreated', postId, 1, postPayload(postId, id('author')));
    expect(await projectEvent(projection(), created)).toBe('applied');
    await graph.write('MATCH (post:Post {id: $postId}) MERGE (:User {id: $liker})-[:LIKED]->(post)', {
      postId,
      liker: id('liker'),
    });
    expect(await projectEvent(projection(), created)).toBe('stale');
    expect(await postNode(postId)).toEqual({
      version: 1,
      status: 'PUBLISHED',
      authorId: id('author'),
      deleted: false,
      authors: [id('author')],
      likes: 1,
    });
  });

  it('ignores an event older than the stored version, whatever the order of arrival', async () => {
    const postId = id('ordered');
    const v3 = postEvent('PostUpdated', postId, 3, postPayload(postId, id('author')));
    const v2 = postEvent('PostUpdated', postId, 2, postPayload(postId, id('author'), 'DRAFT'));
    expect(await projectEvent(projection(), v3)).toBe('applied');
    expect(await projectEvent(projection(), v2)).toBe('stale');
    expect(await postNode(postId)).toMatchObject({ version: 3, status: 'PUBLISHED' });

    const deleted = postEvent('PostDeleted', postId, 4, null);
    expect(await projectEvent(projection(), deleted)).toBe('applied');
    expect(await projectEvent(projection(), v3)).toBe('stale');
    expect(await postNode(postId)).toMatchObject({ version: 4, deleted: true, authors: [], likes: 0 });
  });

  it('moves authorship when a newer version names another author, and ignores events of other entities', async () => {
    const postId = id('moved');
    await projectEvent(
      projection(),
      postEvent('PostCreated', postId, 1, postPayload(postId, id('first-author'))),
    );
    await projectEvent(
      projection(),
      postEvent('PostUpdated', postId, 2, postPayload(postId, id('second-author'))),
    );
    expect(await postNode(postId)).toMatchObject({
      authorId: id('second-author'),
      authors: [id('second-author')],
    });
    const order: DomainEvent = {
      eventId: 'e',
      type: 'OrderPlaced',
      entity: 'Order',
      entityId: id('order'),
      version: 1,
      occurredAt: '',
      payload: {},
    };
    expect(await projectEvent(projection(), order)).toBe('ignored');
  });

  it('creates users from UserCreated', async () => {
    const userId = id('created-user');
    const event: DomainEvent = {
      eventId: 'u',
      type: 'UserCreated',
      entity: 'User',
      entityId: userId,
      version: 1,
      occurredAt: '',
      payload: { id: userId, handle: 'h' },
    };
    await projectEvent(projection(), event);
    await projectEvent(projection(), event);
    const rows = await graph.read<{ n: number }>('MATCH (user:User {id: $userId}) RETURN count(user) AS n', {
      userId,
    });
    expect(rows[0]!.n).toBe(1);
  });
});

describe('tombstones for the purge', () => {
  const projection = () => new Projection(graph);
  it('carry the time they were written; the purge deletes those written before its cutoff only', async () => {
    const early = id('purged-early');
    const late = id('purged-late');
    for (const postId of [early, late])
      await projectEvent(
        projection(),
        postEvent('PostCreated', postId, 1, postPayload(postId, id('author'))),
      );
    await projectEvent(projection(), postEvent('PostDeleted', early, 2, null));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await projectEvent(projection(), postEvent('PostDeleted', late, 2, null));

    expect(await projection().purgeTombstones(cutoff)).toBeGreaterThanOrEqual(1);
    expect(await projection().postGuardRecord(early)).toBeNull();
    expect(await projection().postGuardRecord(late)).toEqual({ version: 2, deleted: true });
    // A live post is never a tombstone, however old.
    const live = id('purge-live');
    await projectEvent(projection(), postEvent('PostCreated', live, 1, postPayload(live, id('author'))));
    await projection().purgeTombstones(new Date(Date.now() + 60_000));
    expect(await projection().postGuardRecord(live)).toEqual({ version: 1, deleted: false });
  });
});

describe('the social-projector consumer group', () => {
  it('projects published events and acknowledges them only then', async () => {
    const postId = id('streamed');
    await publish(postEvent('PostCreated', postId, 1, postPayload(postId, id('author'))));
    await publish(postEvent('PostCreated', postId, 1, postPayload(postId, id('author')))); // the relay published it twice
    const consumer = projector('live');
    await consumer.drained();
    expect(await postNode(postId)).toMatchObject({ version: 1, authors: [id('author')] });
    expect(await pendingOf()).toBe(0);
  });

  it('takes over the entries of a consumer killed before acknowledging and applies them', async () => {
    const postId = id('orphan');
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/hanging-consumer.ts', import.meta.url))],
      {
        env: { ...process.env, TEST_STREAM: stream, TEST_GROUP: group, TEST_CONSUMER: 'doomed' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(async () => output.includes('listening'), 20_000);
    await publish(postEvent('PostCreated', postId, 1, postPayload(postId, id('author'))));
    await waitFor(async () => output.includes(`taken ${postId}`));
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await pendingOf('doomed')).toBe(1);
    expect(await postNode(postId)).toBeUndefined();

    const successor = projector('successor', { claimIdleMs: 200 });
    await waitFor(async () => (await postNode(postId)) !== undefined);
    await successor.drained();
    expect(await pendingOf()).toBe(0);
    expect(await postNode(postId)).toMatchObject({ version: 1, status: 'PUBLISHED' });
  });

  it('moves a poison event to the dead-letter stream with the reason, and goes on', async () => {
    const dead = deadLetterStream(stream);
    const before = await redis.xlen(dead);
    const badId = await redis.xadd(stream, '*', 'type', 'PostCreated', 'event', '{not json');
    const missingAuthor = postEvent('PostCreated', id('no-author'), 1, {
      id: id('no-author'),
      createdAt: '2025-06-01T10:00:00Z',
      status: 'PUBLISHED',
    });
    const missingAuthorId = await publish(missingAuthor);
    const goodId = id('after-poison');
    await publish(postEvent('PostCreated', goodId, 1, postPayload(goodId, id('author'))));

    const consumer = projector('careful', { maxDeliveries: 2 });
    await consumer.drained();
    expect(await postNode(goodId)).toMatchObject({ version: 1 });
    expect(await postNode(id('no-author'))).toBeUndefined();
    expect(await pendingOf()).toBe(0);

    const letters = (await redis.xrange(dead, '-', '+')).slice(before).map(([, fields]) => {
      const record: Record<string, string> = {};
      for (let index = 0; index < fields.length; index += 2) record[fields[index]!] = fields[index + 1]!;
      return record;
    });
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      sourceId: badId,
      group,
      event: '{not json',
    });
    expect(letters[0]!.reason).toMatch(/unreadable event/);
    expect(letters[1]).toMatchObject({ sourceId: missingAuthorId, type: 'PostCreated' });
    expect(letters[1]!.reason).toMatch(/authorId/);
  });

  it('waits out a store outage without dead-lettering', async () => {
    // Neo4j restarting: while `down`, queries go to a server that refuses connections and fail with
    // the driver's own ServiceUnavailable (no retries inside the driver, to keep the test short).
    const unreachable = neo4j.driver(`bolt://127.0.0.1:${await closedPort()}`, undefined, {
      maxTransactionRetryTime: 0,
    });
    const state = { down: true, failedQueries: 0 };
    const restarting = new Proxy(driver, {
      get(_target, property) {
        const target = state.down ? unreachable : driver;
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          try {
            return (await Reflect.apply(value, target, args)) as unknown;
          } catch (error) {
            if (target === unreachable) state.failedQueries += 1;
            throw error;
          }
        };
      },
    });
    try {
      const dead = deadLetterStream(stream);
      const before = await redis.xlen(dead);
      const postId = id('during-outage');
      await publish(postEvent('PostCreated', postId, 1, postPayload(postId, id('author'))));
      const maxDeliveries = 2;
      const consumer = projector('patient', { maxDeliveries, graph: new Graph(restarting) });
      // More failed attempts than maxDeliveries: without the outage rule the event would be dead by now.
      await waitFor(async () => state.failedQueries > maxDeliveries + 1, 30_000);
      expect(await redis.xlen(dead)).toBe(before);
      expect(await consumer.lag()).toBe(1);
      expect(await postNode(postId)).toBeUndefined();

      state.down = false;
      await consumer.drained();
      expect(await postNode(postId)).toMatchObject({ version: 1, authors: [id('author')] });
      expect(await redis.xlen(dead)).toBe(before);
      expect(await pendingOf()).toBe(0);
    } finally {
      await unreachable.close();
    }
  });
});
