import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventFields, type DomainEvent } from '@aetherial/events';
import type { Redis } from 'ioredis';
import type { Driver } from 'neo4j-driver';
import { pino } from 'pino';
import { Graph } from '../src/neo4j.js';
import { Projection } from '../src/projection.js';
import { projectEntry, startProjector } from '../src/projector.js';
import { deadLetterStreamOf, type RunningConsumer, type StreamEntry } from '../src/stream-consumer.js';
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
  await redis.del(stream, deadLetterStreamOf(stream));
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

const entryOf = (event: DomainEvent, entryId = '0-1'): StreamEntry => ({
  id: entryId,
  fields: eventFields(event),
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
  overrides: { claimAfterMs?: number; maxDeliveries?: number } = {},
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
    retryAfterMs: 50,
    ...overrides,
  });
  running.push(started);
  return started;
}

async function pendingOf(consumer?: string): Promise<number> {
  const raw = await redis.call('XPENDING', stream, group, '-', '+', 100, ...(consumer ? [consumer] : []));
  return Array.isArray(raw) ? raw.length : 0;
}

describe('projecting post events', () => {
  const projection = () => new Projection(graph);

  it('applies an event once even when it is delivered twice', async () => {
    const postId = id('twice');
    const created = postEvent('PostCreated', postId, 1, postPayload(postId, id('author')));
    expect(await projectEntry(projection(), entryOf(created))).toBe('applied');
    await graph.write('MATCH (post:Post {id: $postId}) MERGE (:User {id: $liker})-[:LIKED]->(post)', {
      postId,
      liker: id('liker'),
    });
    expect(await projectEntry(projection(), entryOf(created))).toBe('stale');
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
    expect(await projectEntry(projection(), entryOf(v3))).toBe('applied');
    expect(await projectEntry(projection(), entryOf(v2))).toBe('stale');
    expect(await postNode(postId)).toMatchObject({ version: 3, status: 'PUBLISHED' });

    const deleted = postEvent('PostDeleted', postId, 4, null);
    expect(await projectEntry(projection(), entryOf(deleted))).toBe('applied');
    expect(await projectEntry(projection(), entryOf(v3))).toBe('stale');
    expect(await postNode(postId)).toMatchObject({ version: 4, deleted: true, authors: [], likes: 0 });
  });

  it('moves authorship when a newer version names another author, and ignores events of other entities', async () => {
    const postId = id('moved');
    await projectEntry(
      projection(),
      entryOf(postEvent('PostCreated', postId, 1, postPayload(postId, id('first-author')))),
    );
    await projectEntry(
      projection(),
      entryOf(postEvent('PostUpdated', postId, 2, postPayload(postId, id('second-author')))),
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
    expect(await projectEntry(projection(), entryOf(order))).toBe('ignored');
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
    await projectEntry(projection(), entryOf(event));
    await projectEntry(projection(), entryOf(event));
    const rows = await graph.read<{ n: number }>('MATCH (user:User {id: $userId}) RETURN count(user) AS n', {
      userId,
    });
    expect(rows[0]!.n).toBe(1);
  });
});

describe('the social-projector consumer group', () => {
  it('projects published events and acknowledges them only then', async () => {
    const postId = id('streamed');
    await publish(postEvent('PostCreated', postId, 1, postPayload(postId, id('author'))));
    await publish(postEvent('PostCreated', postId, 1, postPayload(postId, id('author')))); // the relay published it twice
    const consumer = projector('live');
    await consumer.drain();
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
    const entryId = await publish(postEvent('PostCreated', postId, 1, postPayload(postId, id('author'))));
    await waitFor(async () => output.includes(`taken ${entryId}`));
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await pendingOf('doomed')).toBe(1);
    expect(await postNode(postId)).toBeUndefined();

    const successor = projector('successor', { claimAfterMs: 200 });
    await waitFor(async () => (await postNode(postId)) !== undefined);
    await successor.drain();
    expect(await pendingOf()).toBe(0);
    expect(await postNode(postId)).toMatchObject({ version: 1, status: 'PUBLISHED' });
  });

  it('moves a poison event to the dead-letter stream with the reason, and goes on', async () => {
    const dead = deadLetterStreamOf(stream);
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

    const consumer = projector('careful');
    await consumer.drain();
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
      sourceEntryId: badId,
      sourceStream: stream,
      group,
      event: '{not json',
    });
    expect(letters[0]!.reason).toMatch(/unreadable event/);
    expect(letters[1]).toMatchObject({ sourceEntryId: missingAuthorId, type: 'PostCreated' });
    expect(letters[1]!.reason).toMatch(/authorId/);
  });
});
