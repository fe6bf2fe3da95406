import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { byKeys, groupedByKeys } from '../src/batching.js';
import { registerConsumerLag } from '../src/metrics.js';
import { connectionFrom, decodeCursor, encodeCursor, pageSize } from '../src/pagination.js';
describe('pagination', () => {
  it('validates first with the field named', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(100)).toBe(100);
    expect(() => pageSize(0)).toThrow('first: must be between 1 and 100, got 0');
    expect(() => pageSize(101)).toThrow(/first/);
  });

  it('refuses a cursor of another list and garbage', () => {
    const cursor = encodeCursor('posts', { t: 1, id: 'a' });
    expect(decodeCursor('posts', cursor)).toEqual({ t: 1, id: 'a' });
    expect(() => decodeCursor('users', cursor)).toThrow('after: cursor does not belong to this list (users)');
    expect(() => decodeCursor('posts', '%%%')).toThrow('after: not a valid cursor');
  });

  it('builds a connection from first + 1 rows', () => {
    const page = connectionFrom([1, 2, 3], 2, (n) => `c${n}`, false);
    expect(page.edges.map((edge) => edge.node)).toEqual([1, 2]);
    expect(page.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: 'c1',
      endCursor: 'c2',
    });
    expect(connectionFrom([1], 2, (n) => `c${n}`, true).pageInfo.hasNextPage).toBe(false);
  });
});

describe('batching', () => {
  it('answers in key order with null for missing keys', () => {
    expect(byKeys(['b', 'x', 'a'], [{ id: 'a' }, { id: 'b' }], (row) => row.id)).toEqual([
      { id: 'b' },
      null,
      { id: 'a' },
    ]);
  });

  it('groups children under their parents in key order', () => {
    const rows = [
      { p: 'a', n: 1 },
      { p: 'b', n: 2 },
      { p: 'a', n: 3 },
    ];
    expect(
      groupedByKeys(['b', 'c', 'a'], rows, (row) => row.p).map((group) => group.map((row) => row.n)),
    ).toEqual([[2], [], [1, 3]]);
  });
});

describe('events_consumer_lag', () => {
  it('reports the lag, -1 when it cannot be asked, and -1 rather than hang when the consumer never answers', async () => {
    const scrape = async (lag: () => Promise<number>) => {
      const registry = new Registry();
      registerConsumerLag(registry, 'readers', lag);
      const text = await registry.metrics();
      return /^events_consumer_lag\{group="readers"\} (-?\d+)$/m.exec(text)?.[1];
    };
    expect(await scrape(async () => 3)).toBe('3');
    expect(await scrape(() => Promise.reject(new Error('redis down')))).toBe('-1');
    expect(await scrape(() => new Promise<number>(() => undefined))).toBe('-1');
  });
});
