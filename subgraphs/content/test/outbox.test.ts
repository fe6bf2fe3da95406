import { randomUUID } from 'node:crypto';
import { parseEventFields, startOutboxRelay, type DomainEvent, type Outbox } from '@aetherial/events';
import { createLogger } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commentPayload, pendingEvent } from '../src/events.js';
import { appendBatch } from '../src/outbox-batches.js';
import { ContentOutbox, inPublishOrder } from '../src/outbox.js';
import { createPost } from '../src/post-writes.js';
import type { ContentSubgraph } from '../src/subgraph.js';
import {
  clearCollections,
  createPostAs,
  dataOf,
  dropTestDatabase,
  errorOf,
  gqlFor,
  newUserId,
  startTestSubgraph,
  testConfig,
  type Gql,
} from './helpers.js';

let subgraph: ContentSubgraph;
let gql: Gql;
let redis: Redis;
let stream: string;
const alice = newUserId();
const bob = newUserId();
const log = createLogger('content-outbox-test', 'silent');

beforeAll(async () => {
  await dropTestDatabase();
  subgraph = await startTestSubgraph();
  gql = gqlFor(subgraph);
  redis = new Redis(testConfig().REDIS_URL);
});
afterAll(async () => {
  await subgraph?.stop();
  await redis?.quit();
});
beforeEach(async () => {
  await clearCollections(subgraph);
  // A stream of this test's own: nothing reaches aetherial:events or another test.
  stream = `aetherial:test:content:${randomUUID()}`;
});
afterEach(async () => {
  await redis.del(stream);
});

async function streamEvents(): Promise<DomainEvent[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, fields]) => parseEventFields(fields));
}

/**
 * Runs a relay as the subgraph does, on the test stream, until everything pending now is out;
 * returns how many entries it added to the stream. (The relay's own loop flushes at start too, so
 * the count comes from the stream, not from `flush()`.)
 */
async function publishWith(outbox: Outbox): Promise<number> {
  const before = await redis.xlen(stream);
  const relay = startOutboxRelay({ outbox, redis, log, stream, intervalMs: 5 });
  try {
    await relay.flush();
  } finally {
    await relay.stop();
  }
  return (await redis.xlen(stream)) - before;
}

const UPDATE = `mutation U($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id } }`;
const ADD_COMMENT = `mutation A($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id } }`;
const DELETE = `mutation D($id: ID!) { deletePost(id: $id) { deleted } }`;

/**
 * Runs a drain that reads the post, then updates it (through the API) before the drain clears the
 * document: the race the clear's version guard is for.
 */
async function drainWhileUpdating(outbox: ContentOutbox, postId: string, title: string): Promise<void> {
  let updated = false;
  const collection = subgraph.store.posts.collection;
  const originalUpdateMany = collection.updateMany.bind(collection);
  collection.updateMany = (async (...args: Parameters<typeof originalUpdateMany>) => {
    if (!updated) {
      updated = true;
      dataOf(await gql(UPDATE, { id: postId, input: { title } }, alice));
    }
    return originalUpdateMany(...args);
  }) as typeof originalUpdateMany;
  try {
    await outbox.drain();
  } finally {
    collection.updateMany = originalUpdateMany;
  }
  expect(updated).toBe(true);
}

describe('outbox atomicity', () => {
  it('writes every change together with its event, in the same document', async () => {
    const post = await createPostAs(gql, alice, { title: 'Atomic', tags: ['x'] });
    let stored = await subgraph.store.posts.findById(post.id).lean().exec();
    expect(stored?.hasPendingEvents).toBe(true);
    expect(stored?.pendingEvents).toMatchObject([
      {
        type: 'PostCreated',
        entity: 'Post',
        entityId: post.id,
        version: 1,
        payload: { id: post.id, title: 'Atomic', tags: ['x'], version: 1 },
      },
    ]);

    dataOf(await gql(UPDATE, { id: post.id, input: { title: 'Atomic, revised' } }, alice));
    stored = await subgraph.store.posts.findById(post.id).lean().exec();
    expect(stored?.version).toBe(2);
    expect(stored?.pendingEvents.map((event) => [event.type, event.version, event.payload?.title])).toEqual([
      ['PostCreated', 1, 'Atomic'],
      ['PostUpdated', 2, 'Atomic, revised'],
    ]);

    const comment = dataOf(
      await gql<{ addComment: { id: string } }>(ADD_COMMENT, { postId: post.id, body: 'Hello' }, bob),
    ).addComment;
    const storedComment = await subgraph.store.comments.findById(comment.id).lean().exec();
    expect(storedComment?.pendingEvents).toMatchObject([
      {
        type: 'CommentAdded',
        entity: 'Comment',
        entityId: comment.id,
        version: 1,
        payload: { postId: post.id, postAuthorId: alice, authorId: bob, body: 'Hello' },
      },
    ]);
    // Nothing is in the outbox log yet: events travel with their documents until the relay drains them.
    expect(await subgraph.store.outboxEvents.countDocuments()).toBe(0);
  });

  it('leaves neither change nor event behind when a write fails', async () => {
    // Through the API: validation refuses before the store.
    expect(
      errorOf(await gql(`mutation { createPost(input: { title: "", body: "" }) { id } }`, {}, alice)).code,
    ).toBe('BAD_USER_INPUT');
    // Below the API: the schema refuses the insert itself (the event was built, but never stored).
    await expect(
      createPost(subgraph.store, alice, { title: 'x'.repeat(500), body: '', tags: [], status: 'PUBLISHED' }),
    ).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'title' },
    });
    // An update refused by validation keeps the old state and its single event.
    const post = await createPostAs(gql, alice, { title: 'Stays' });
    expect(errorOf(await gql(UPDATE, { id: post.id, input: { tags: ['a'.repeat(40)] } }, alice)).code).toBe(
      'BAD_USER_INPUT',
    );

    const posts = await subgraph.store.posts.find().lean().exec();
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ title: 'Stays', version: 1 });
    expect(posts[0]?.pendingEvents.map((event) => event.type)).toEqual(['PostCreated']);
    expect(await publishWith(new ContentOutbox(subgraph.store))).toBe(1);
    expect((await streamEvents()).map((event) => [event.type, event.entityId])).toEqual([
      ['PostCreated', post.id],
    ]);
  });
});

describe('outbox relay', () => {
  it('publishes on restart what was written while no relay ran, in order, and clears the documents', async () => {
    // The process "died" after these writes: no relay was running.
    const post = await createPostAs(gql, alice, { title: 'One' });
    dataOf(await gql(UPDATE, { id: post.id, input: { title: 'Two' } }, alice));
    const comment = dataOf(
      await gql<{ addComment: { id: string } }>(ADD_COMMENT, { postId: post.id, body: 'First!' }, bob),
    ).addComment;
    const other = await createPostAs(gql, bob, { title: 'Other' });

    // "Restart": a fresh outbox and relay over the same database.
    expect(await publishWith(new ContentOutbox(subgraph.store))).toBe(4);
    const events = await streamEvents();
    expect(events.map((event) => [event.type, event.entityId, event.version])).toEqual([
      ['PostCreated', post.id, 1],
      ['PostUpdated', post.id, 2],
      ['CommentAdded', comment.id, 1],
      ['PostCreated', other.id, 1],
    ]);
    expect(events[1]?.payload).toMatchObject({
      id: post.id,
      title: 'Two',
      authorId: alice,
      status: 'PUBLISHED',
      version: 2,
    });
    expect(new Set(events.map((event) => event.eventId)).size).toBe(4);

    expect(await subgraph.store.posts.countDocuments({ hasPendingEvents: true })).toBe(0);
    expect(await subgraph.store.comments.countDocuments({ hasPendingEvents: true })).toBe(0);
    expect(await subgraph.store.outboxEvents.countDocuments()).toBe(0);
    // Nothing left: a second round publishes nothing.
    expect(await publishWith(new ContentOutbox(subgraph.store))).toBe(0);
    expect(await streamEvents()).toHaveLength(4);
  });

  it('re-publishes rather than loses when the relay dies between XADD and markPublished', async () => {
    const first = await createPostAs(gql, alice, { title: 'Crash one' });
    const second = await createPostAs(gql, alice, { title: 'Crash two' });

    const real = new ContentOutbox(subgraph.store);
    const dying: Outbox = {
      pending: (limit) => real.pending(limit),
      markPublished: async () => {
        throw new Error('process killed after XADD');
      },
    };
    await expect(publishWith(dying)).rejects.toThrow('process killed after XADD');
    expect((await streamEvents()).map((event) => event.entityId)).toEqual([first.id, second.id]);
    expect(await subgraph.store.outboxEvents.countDocuments()).toBe(2);

    // Restart: the same events go out again.
    expect(await publishWith(new ContentOutbox(subgraph.store))).toBe(2);
    const events = await streamEvents();
    expect(events.map((event) => event.entityId)).toEqual([first.id, second.id, first.id, second.id]);
    // A consumer keeping the highest version per entity sees every change exactly once.
    const latest = new Map<string, number>();
    for (const event of events)
      latest.set(event.entityId, Math.max(latest.get(event.entityId) ?? 0, event.version));
    expect([...latest.entries()]).toEqual([
      [first.id, 1],
      [second.id, 1],
    ]);
    expect(await subgraph.store.outboxEvents.countDocuments()).toBe(0);
  });

  it('copies an event only once when the drain died between copying and clearing', async () => {
    const post = await createPostAs(gql, alice, { title: 'Half drained' });
    const stored = await subgraph.store.posts.findById(post.id).lean().exec();
    // The copy happened (a batch holds the event), the clear did not: the document still has it.
    const firstBatch = await appendBatch(subgraph.store, stored!.pendingEvents);

    expect(await publishWith(new ContentOutbox(subgraph.store))).toBe(1);
    expect((await streamEvents()).map((event) => [event.type, event.entityId])).toEqual([
      ['PostCreated', post.id],
    ]);
    expect((await subgraph.store.posts.findById(post.id).lean().exec())?.pendingEvents).toEqual([]);
    expect(await subgraph.store.outboxEvents.countDocuments()).toBe(0);
    // The second drain moved the event into its own batch; the first, now empty, is dropped once old.
    expect(await subgraph.store.outboxBatches.countDocuments({ _id: firstBatch })).toBe(1);
    await publishWith(new ContentOutbox(subgraph.store, { abandonedAfterMs: 0 }));
    expect(await subgraph.store.outboxBatches.countDocuments()).toBe(0);
    expect(await streamEvents()).toHaveLength(1);
  });

  it('keeps an event written while the drain ran (version guard on the clear)', async () => {
    const post = await createPostAs(gql, alice, { title: 'Racing' });
    const outbox = new ContentOutbox(subgraph.store);
    await drainWhileUpdating(outbox, post.id, 'Racing, updated');
    const stored = await subgraph.store.posts.findById(post.id).lean().exec();
    // The clear did not match (version moved on): both events are still on the document, marked
    // copied through the version the drain read.
    expect(stored?.pendingEvents.map((event) => event.type)).toEqual(['PostCreated', 'PostUpdated']);
    expect(stored?.drainedThrough).toBe(1);
    expect(await publishWith(outbox)).toBe(2);
    expect((await streamEvents()).map((event) => [event.type, event.version])).toEqual([
      ['PostCreated', 1],
      ['PostUpdated', 2],
    ]);
    expect((await subgraph.store.posts.findById(post.id).lean().exec())?.pendingEvents).toEqual([]);
  });

  it('publishes an event once when its batch went out before the next drain read the document again', async () => {
    const post = await createPostAs(gql, alice, { title: 'Racing twice' });
    const outbox = new ContentOutbox(subgraph.store);
    await drainWhileUpdating(outbox, post.id, 'Racing twice, updated');
    // A relay publishes the first batch (PostCreated) and deletes it before any drain runs again,
    // as a busy relay or a second instance does.
    const firstBatch = await outbox.pending(1);
    expect(firstBatch.map((event) => event.type)).toEqual(['PostCreated']);
    await outbox.markPublished(firstBatch.map((event) => event.eventId));
    expect(await subgraph.store.outboxEvents.countDocuments()).toBe(0);
    // The next drain copies only what the first did not: PostUpdated, not PostCreated again.
    expect(await outbox.drain()).toBe(1);
    expect((await outbox.pending(100)).map((event) => [event.type, event.version])).toEqual([
      ['PostUpdated', 2],
    ]);
    expect((await subgraph.store.posts.findById(post.id).lean().exec())?.pendingEvents).toEqual([]);
  });

  it('removes a deleted post and its comments only after PostDeleted is published', async () => {
    const post = await createPostAs(gql, alice, { title: 'Doomed' });
    const keep = await createPostAs(gql, alice, { title: 'Keeper' });
    await gql(ADD_COMMENT, { postId: post.id, body: 'one' }, bob);
    await gql(ADD_COMMENT, { postId: keep.id, body: 'two' }, bob);
    dataOf(await gql(DELETE, { id: post.id }, alice));

    const marked = await subgraph.store.posts.findById(post.id).lean().exec();
    expect(marked?.deletedAt).toBeInstanceOf(Date);
    expect(marked?.pendingEvents.at(-1)).toMatchObject({ type: 'PostDeleted', version: 2, payload: null });

    expect(await publishWith(new ContentOutbox(subgraph.store))).toBe(5);
    const deleted = (await streamEvents()).find((event) => event.type === 'PostDeleted');
    expect(deleted).toMatchObject({ entity: 'Post', entityId: post.id, version: 2, payload: null });
    expect(await subgraph.store.posts.findById(post.id).lean().exec()).toBeNull();
    expect(await subgraph.store.comments.countDocuments({ postId: new Types.ObjectId(post.id) })).toBe(0);
    expect(await subgraph.store.comments.countDocuments({ postId: new Types.ObjectId(keep.id) })).toBe(1);
  });

  it('repairs commentCount when addComment died between the comment and the count', async () => {
    const post = await createPostAs(gql, alice, { title: 'Counted' });
    const now = new Date();
    const comment = {
      _id: new Types.ObjectId(),
      postId: new Types.ObjectId(post.id),
      authorId: bob,
      body: 'orphan count',
      createdAt: now,
      version: 1,
    };
    await subgraph.store.comments.create({
      ...comment,
      pendingEvents: [
        pendingEvent(
          'CommentAdded',
          'Comment',
          comment._id.toHexString(),
          1,
          now,
          commentPayload(comment, alice),
        ),
      ],
      hasPendingEvents: true,
    });
    expect((await subgraph.store.posts.findById(post.id).lean().exec())?.commentCount).toBe(0);

    await publishWith(new ContentOutbox(subgraph.store));
    expect((await subgraph.store.posts.findById(post.id).lean().exec())?.commentCount).toBe(1);
    expect((await streamEvents()).map((event) => event.type)).toEqual(['PostCreated', 'CommentAdded']);
  });
});

describe('publish order', () => {
  it('sorts a batch oldest first but never puts an entity’s later version first', () => {
    const at = (iso: string) => new Date(iso);
    const event = (id: string, entityId: string, version: number, occurredAt: string, sequence: number) => ({
      _id: id,
      batch: 'b',
      sequence,
      type: 'PostUpdated',
      entity: 'Post',
      entityId,
      version,
      occurredAt: at(occurredAt),
      payload: null,
    });
    const events = [
      // Written by an instance whose clock runs behind: v2 looks older than v1.
      event('e3', 'p1', 2, '2025-01-01T00:00:01.000Z', 3),
      event('e1', 'p1', 1, '2025-01-01T00:00:02.000Z', 1),
      event('e2', 'p2', 1, '2025-01-01T00:00:00.000Z', 2),
    ];
    inPublishOrder(events);
    expect(events.map((row) => row._id)).toEqual(['e2', 'e1', 'e3']);
  });
});
