import type { DomainEvent } from '@aetherial/events';
import { createLogger } from '@aetherial/subgraph-kit';
import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { feedFollows } from '../src/subscriptions/feed-follows.js';

/**
 * The feed's follow sets on their own (the whole path, through the real gateway and subgraphs, is
 * in test/e2e/subscriptions.test.ts): the supergraph's answer to the follows query is given here,
 * released when the test says, to put stream events in the middle of a load.
 */
const log = createLogger('test', 'silent');

let sequence = 0;
const event = (type: string, payload: Record<string, unknown>): DomainEvent => ({
  eventId: `e${(sequence += 1)}`,
  type,
  entity: type.startsWith('Post') ? 'Post' : 'User',
  entityId: String(payload.id ?? `${String(payload.followerId)}:${String(payload.followeeId)}`),
  version: 1,
  occurredAt: new Date().toISOString(),
  payload,
});
const published = (authorId: string) =>
  event('PostCreated', { id: `post-${sequence}`, authorId, status: 'PUBLISHED' });
const followed = (followerId: string, followeeId: string) =>
  event('UserFollowed', { followerId, followeeId });
const unfollowed = (followerId: string, followeeId: string) =>
  event('UserUnfollowed', { followerId, followeeId });

/** Answers the follows query with `pages` (ids per page), each page once `release()` is called. */
function followsOf(pages: string[][]) {
  const waiting: (() => void)[] = [];
  const execute = async (
    _query: string,
    variables: Record<string, unknown>,
  ): Promise<FormattedExecutionResult> => {
    await new Promise<void>((resolve) => waiting.push(resolve));
    const index = variables.after === null ? 0 : Number(variables.after);
    return {
      data: {
        user: {
          following: {
            edges: pages[index]!.map((id) => ({ node: { id } })),
            pageInfo: { hasNextPage: index + 1 < pages.length, endCursor: String(index + 1) },
          },
        },
      },
    };
  };
  return {
    execute,
    release: async () => {
      while (waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
      waiting.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const keys = (feed: ReturnType<typeof feedFollows>, post: DomainEvent) => [
  ...(feed.route.key!.ofEvent(post) as Iterable<string>),
];

describe('feedUpdated follow sets', () => {
  it('routes an author’s publication to the viewers following them only, over every page of follows', async () => {
    const supergraph = followsOf([['carol', 'dave'], ['erin']]);
    const feed = feedFollows({ execute: supergraph.execute, log });
    const ready = feed.route.attach!('alice');
    await supergraph.release();
    await supergraph.release();
    await ready;
    expect(keys(feed, published('erin'))).toEqual(['alice']);
    expect(keys(feed, published('carol'))).toEqual(['alice']);
    expect(keys(feed, published('stranger'))).toEqual([]);
    // Drafts and edits are not publications; a draft published later is.
    expect(keys(feed, event('PostCreated', { id: 'd', authorId: 'carol', status: 'DRAFT' }))).toEqual([]);
    expect(
      keys(
        feed,
        event('PostUpdated', {
          id: 'u',
          authorId: 'carol',
          status: 'PUBLISHED',
          previousStatus: 'PUBLISHED',
        }),
      ),
    ).toEqual([]);
    expect(
      keys(
        feed,
        event('PostUpdated', { id: 'p', authorId: 'carol', status: 'PUBLISHED', previousStatus: 'DRAFT' }),
      ),
    ).toEqual(['alice']);
  });

  it('applies follows read during the load on top of it, and keeps them current afterwards', async () => {
    const supergraph = followsOf([['carol']]);
    const feed = feedFollows({ execute: supergraph.execute, log });
    expect(feed.wants('UserFollowed')).toBe(false);
    const ready = feed.route.attach!('alice');
    expect(feed.wants('UserFollowed')).toBe(true);
    // While loading, alice is offered every publication; `admits` decides once her follows are in.
    const early = published('dave');
    expect(keys(feed, early)).toEqual(['alice']);
    feed.observe(followed('alice', 'dave'));
    feed.observe(unfollowed('alice', 'carol'));
    feed.observe(followed('bob', 'carol')); // someone not tracked: ignored
    await supergraph.release();
    await ready;
    expect(await feed.route.admits!(early, 'alice')).toBe(true);
    expect(keys(feed, published('dave'))).toEqual(['alice']);
    expect(keys(feed, published('carol'))).toEqual([]);
    feed.observe(followed('alice', 'erin'));
    expect(keys(feed, published('erin'))).toEqual(['alice']);
    feed.observe(unfollowed('alice', 'erin'));
    expect(keys(feed, published('erin'))).toEqual([]);
  });

  it('loads once per viewer, and forgets the viewer with their last feed subscription', async () => {
    const supergraph = followsOf([['carol']]);
    const feed = feedFollows({ execute: supergraph.execute, log });
    const first = feed.route.attach!('alice');
    const second = feed.route.attach!('alice');
    await supergraph.release();
    await Promise.all([first, second]);
    feed.route.detach!('alice');
    expect(keys(feed, published('carol'))).toEqual(['alice']);
    feed.route.detach!('alice');
    expect(keys(feed, published('carol'))).toEqual([]);
    expect(feed.size()).toEqual({ viewers: 0, authors: 0 });
    expect(feed.wants('UserFollowed')).toBe(false);
  });

  it('a failed load rejects the subscription instead of serving an empty feed', async () => {
    const feed = feedFollows({
      execute: async () => ({ data: { user: null }, errors: [{ message: 'social is down' }] }),
      log,
    });
    await expect(feed.route.attach!('alice')).rejects.toThrow('social is down');
    expect(feed.size().viewers).toBe(0);
  });
});
