import { randomUUID } from 'node:crypto';
import { parseEventFields, startOutboxRelay, type DomainEvent } from '@aetherial/events';
import { createLogger } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentOutbox } from '../src/outbox.js';
import type { ContentSubgraph } from '../src/subgraph.js';
import {
  clearCollections,
  createPostAs,
  dataOf,
  dropTestDatabase,
  gqlFor,
  newUserId,
  startTestSubgraph,
  testConfig,
  type Gql,
} from './helpers.js';

/**
 * The gateway's cache drops what a write's event names (gateway/src/cache/invalidator.ts): each
 * write must name the lists it changes, and nothing more, so unrelated cached answers survive.
 */
let subgraph: ContentSubgraph;
let gql: Gql;
let redis: Redis;
let stream: string;
const alice = newUserId();
const log = createLogger('content-cache-tags-test', 'silent');

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
  stream = `aetherial:test:content-tags:${randomUUID()}`;
});

async function published(): Promise<DomainEvent[]> {
  const relay = startOutboxRelay({
    outbox: new ContentOutbox(subgraph.store),
    redis,
    log,
    stream,
    intervalMs: 5,
  });
  try {
    await relay.flush();
  } finally {
    await relay.stop();
  }
  const entries = await redis.xrange(stream, '-', '+');
  await redis.del(stream);
  return entries.map(([, fields]) => parseEventFields(fields));
}

const UPDATE = `mutation U($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id } }`;

describe('cache tags of content writes', () => {
  it('names the lists a post joins or leaves, its post for a comment, and nothing for an edit', async () => {
    const authorPosts = `User:${alice}.posts`;
    const draft = await createPostAs(gql, alice, { title: 'Draft', tags: ['a'], status: 'DRAFT' });
    dataOf(await gql(UPDATE, { id: draft.id, input: { tags: ['c'] } }, alice));
    // A draft is in its author's lists only: no public list of posts is dropped.
    expect((await published()).map((event) => event.cacheTags)).toEqual([[authorPosts], [authorPosts]]);

    const publish = await gql(UPDATE, { id: draft.id, input: { status: 'PUBLISHED' } }, alice);
    // The mutation's answer names the same tags, so the gateway drops them before answering.
    expect(publish.extensions?.cacheTags).toEqual(expect.arrayContaining(['Post', authorPosts]));
    const retag = await gql(UPDATE, { id: draft.id, input: { tags: ['b'] } }, alice);
    dataOf(retag);
    dataOf(await gql(UPDATE, { id: draft.id, input: { title: 'Edited' } }, alice));
    dataOf(
      await gql(
        `mutation C($postId: ID!) { addComment(postId: $postId, body: "hi") { id } }`,
        { postId: draft.id },
        alice,
      ),
    );
    dataOf(await gql(`mutation D($id: ID!) { deletePost(id: $id) { deleted } }`, { id: draft.id }, alice));

    const events = await published();
    expect(events.map((event) => [event.type, event.cacheTags])).toEqual([
      ['PostUpdated', ['Post', authorPosts]], // published from draft: every list of posts, the author's
      ['PostUpdated', ['Post']], // re-tagged: the lists filtered by tag
      ['PostUpdated', []], // a title edit moves no list: the post's own tag is enough
      ['CommentAdded', [`Post:${draft.id}`]], // its post's comments and commentCount
      ['PostDeleted', ['Post', authorPosts]],
    ]);
  });

  it('tags root lists by type and an entity’s lists by the entity, never a single post by its type', async () => {
    const post = await createPostAs(gql, alice, { title: 'Tagged' });
    const page = await gql(
      `query P($id: ID!) { post(id: $id) { id title author { id posts { edges { node { id } } } } } }`,
      { id: post.id },
    );
    const tags = page.extensions?.cacheTags as string[];
    expect(tags).toEqual(expect.arrayContaining([`Post:${post.id}`, `User:${alice}`, `User:${alice}.posts`]));
    expect(tags).not.toContain('Post');
    const list = await gql(`{ posts { edges { node { id } } } }`);
    expect(list.extensions?.cacheTags).toEqual(expect.arrayContaining(['Post', `Post:${post.id}`]));
    // The author's own reading of the list holds their drafts: their draft writes drop it.
    const own = await gql(`{ posts { edges { node { id } } } }`, {}, alice);
    expect(own.extensions?.cacheTags).toEqual(expect.arrayContaining(['Post', `User:${alice}.posts`]));
  });
});
