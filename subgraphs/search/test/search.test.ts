import { callAsGateway, type GraphQLResult } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '@aetherial/events';
import { applyEvents } from '../src/indexer.js';
import { searchIndexDefinition } from '../src/mappings.js';
import { createSubgraph } from '../src/subgraph.js';
import {
  cleanUp,
  domainEvent,
  postPayload,
  productPayload,
  testConfig,
  testEngine,
  testNamespace,
  testRedis,
  userPayload,
} from './helpers.js';

const namespace = testNamespace('graphql');
const engine = testEngine(namespace);
const redis = testRedis();
let subgraph: Awaited<ReturnType<typeof createSubgraph>>;

const WIDGETS = 23;
const fixture: DomainEvent[] = [
  domainEvent('UserCreated', 'u-ada', 1, userPayload('u-ada', 'ada', 'Ada Lovelace')),
  domainEvent('UserCreated', 'u-grace', 1, userPayload('u-grace', 'grace', 'Grace Hopper')),
  domainEvent(
    'PostCreated',
    'p-run',
    1,
    postPayload('p-run', {
      title: 'Running shoes for the marathon',
      body: 'I went running every morning before work.',
      tags: ['running', 'gear'],
      authorId: 'u-ada',
    }),
  ),
  domainEvent(
    'PostCreated',
    'p-trail',
    1,
    postPayload('p-trail', {
      title: 'Trail run in the Alps',
      body: 'A long trail with views of glaciers.',
      tags: ['running', 'travel'],
      authorId: 'u-grace',
    }),
  ),
  domainEvent(
    'PostCreated',
    'p-bread',
    1,
    postPayload('p-bread', {
      title: 'Baking sourdough bread',
      body: 'Flour, water and salt: the whole recipe.',
      tags: ['baking'],
      authorId: 'u-ada',
    }),
  ),
  domainEvent(
    'PostCreated',
    'p-draft',
    1,
    postPayload('p-draft', { title: 'Secret running plans', status: 'DRAFT', tags: ['running'] }),
  ),
  domainEvent(
    'PostCreated',
    'p-xss',
    1,
    postPayload('p-xss', {
      title: 'Escaping <script>alert(1)</script> in templates',
      body: 'Templates must escape markup.',
      tags: ['web'],
      authorId: 'u-grace',
    }),
  ),
  domainEvent(
    'ProductCreated',
    'pr-shoes',
    1,
    productPayload('pr-shoes', 'SHOE-001', 'Trail running shoes', 8999, 'Grippy soles for muddy trails'),
  ),
  domainEvent(
    'ProductCreated',
    'pr-socks',
    1,
    productPayload('pr-socks', 'SOCK-002', 'Running socks', 999, 'Breathable wool'),
  ),
  domainEvent(
    'ProductCreated',
    'pr-starter',
    1,
    productPayload('pr-starter', 'BAKE-003', 'Sourdough starter kit', 2499, 'Everything to begin'),
  ),
  domainEvent(
    'ProductCreated',
    'pr-watch',
    1,
    productPayload('pr-watch', 'WATCH-004', 'Marathon training watch', 24999, 'GPS and heart rate'),
  ),
  ...Array.from({ length: WIDGETS }, (_, n) => {
    const id = `pr-widget-${String(n).padStart(2, '0')}`;
    return domainEvent('ProductCreated', id, 1, productPayload(id, `WID-${n}`, 'Blue widget', 500));
  }),
];

const SEARCH = /* GraphQL */ `
  query Search($query: String!, $filter: SearchFilter, $first: Int, $after: String) {
    search(query: $query, filter: $filter, first: $first, after: $after) {
      totalCount
      didYouMean
      edges {
        cursor
        node {
          score
          highlights {
            field
            snippets
          }
          item {
            __typename
            ... on Post {
              id
            }
            ... on Product {
              id
            }
            ... on User {
              id
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      facets {
        types {
          value
          count
        }
        tags {
          value
          count
        }
        priceRanges {
          minCents
          maxCents
          count
        }
      }
    }
  }
`;

const SUGGEST = /* GraphQL */ `
  query Suggest($prefix: String!, $first: Int) {
    suggest(prefix: $prefix, first: $first) {
      text
      type
      id
    }
  }
`;

interface SearchData {
  search: {
    totalCount: number;
    didYouMean: string | null;
    edges: {
      cursor: string;
      node: {
        score: number;
        highlights: { field: string; snippets: string[] }[];
        item: { __typename: string; id: string };
      };
    }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
    facets: {
      types: { value: string; count: number }[];
      tags: { value: string; count: number }[];
      priceRanges: { minCents: number | null; maxCents: number | null; count: number }[];
    };
  };
}

const search = (variables: Record<string, unknown>) =>
  callAsGateway<SearchData>(subgraph.url, SEARCH, variables);
const suggest = (variables: Record<string, unknown>) =>
  callAsGateway<{ suggest: { text: string; type: string; id: string }[] }>(subgraph.url, SUGGEST, variables);

function ids(result: GraphQLResult<SearchData>): string[] {
  expect(result.errors).toBeUndefined();
  return result.data!.search.edges.map((edge) => edge.node.item.id);
}

function errorOf(result: GraphQLResult<unknown>) {
  expect(result.errors?.length).toBeGreaterThan(0);
  return {
    code: result.errors![0]!.extensions?.code,
    field: result.errors![0]!.extensions?.field,
    message: result.errors![0]!.message,
  };
}

beforeAll(async () => {
  const config = testConfig(namespace);
  subgraph = await createSubgraph(config);
  await applyEvents(engine, namespace.alias, searchIndexDefinition(), fixture);
  await engine.refresh(namespace.alias);
});

afterAll(async () => {
  await subgraph.stop();
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
});

describe('search', () => {
  it('matches word forms across posts and products, drafts excluded, titles first', async () => {
    const result = await search({ query: 'running' });
    expect(ids(result).sort()).toEqual(['p-run', 'p-trail', 'pr-shoes', 'pr-socks']);
    const scores = result.data!.search.edges.map((edge) => edge.node.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(result.data!.search.edges.map((edge) => edge.node.item.__typename).sort()).toEqual([
      'Post',
      'Post',
      'Product',
      'Product',
    ]);
  });

  it('tolerates typos', async () => {
    expect(ids(await search({ query: 'sourdugh' })).sort()).toEqual(['p-bread', 'pr-starter']);
    expect(ids(await search({ query: 'maraton' })).sort()).toEqual(['p-run', 'pr-watch']);
    expect(ids(await search({ query: 'Grace Hoper' }))).toEqual(['u-grace']);
  });

  it('answers nothing with a "did you mean" from the index only when nothing is related', async () => {
    const typo = (await search({ query: 'brdd' })).data!.search;
    expect(typo).toMatchObject({ totalCount: 0, edges: [], didYouMean: 'bread' });
    expect((await search({ query: 'bread' })).data!.search.totalCount).toBe(1);
    expect((await search({ query: 'xqzvbw' })).data!.search).toMatchObject({
      totalCount: 0,
      didYouMean: null,
    });
    expect((await search({ query: 'sourdugh' })).data!.search.didYouMean).toBeNull();
  });

  it('finds a product by its SKU', async () => {
    expect(ids(await search({ query: 'sock-002' }))).toEqual(['pr-socks']);
  });

  it('counts facets exactly', async () => {
    const { facets, totalCount } = (await search({ query: 'running' })).data!.search;
    expect(totalCount).toBe(4);
    expect(facets.types).toEqual([
      { value: 'POST', count: 2 },
      { value: 'PRODUCT', count: 2 },
      { value: 'USER', count: 0 },
    ]);
    expect(facets.tags).toEqual([
      { value: 'running', count: 2 },
      { value: 'gear', count: 1 },
      { value: 'travel', count: 1 },
    ]);
    expect(facets.priceRanges).toEqual([
      { minCents: null, maxCents: 1000, count: 1 },
      { minCents: 1000, maxCents: 2500, count: 0 },
      { minCents: 2500, maxCents: 5000, count: 0 },
      { minCents: 5000, maxCents: 10000, count: 1 },
      { minCents: 10000, maxCents: null, count: 0 },
    ]);
  });

  it('filters by type, keeping the other types countable (disjunctive facets)', async () => {
    const result = await search({ query: 'running', filter: { types: ['PRODUCT'] } });
    expect(ids(result).sort()).toEqual(['pr-shoes', 'pr-socks']);
    const { totalCount, facets } = result.data!.search;
    expect(totalCount).toBe(2);
    expect(facets.types.map((facet) => facet.count)).toEqual([2, 2, 0]);
    // Other facets honour the type filter: products carry no tags.
    expect(facets.tags).toEqual([]);
  });

  it('filters by tags (any of them), price range and author', async () => {
    const byTag = await search({ query: 'running', filter: { tags: ['travel'] } });
    expect(ids(byTag)).toEqual(['p-trail']);
    expect(byTag.data!.search.facets.tags.map((facet) => facet.value)).toEqual(['running', 'gear', 'travel']);
    expect(ids(await search({ query: 'running', filter: { tags: ['travel', 'gear'] } })).sort()).toEqual([
      'p-run',
      'p-trail',
    ]);
    expect(
      ids(await search({ query: 'running', filter: { priceMinCents: 1000, priceMaxCents: 10000 } })),
    ).toEqual(['pr-shoes']);
    expect(ids(await search({ query: 'running', filter: { priceMaxCents: 999 } }))).toEqual(['pr-socks']);
    expect(ids(await search({ query: 'running', filter: { authorId: 'u-ada' } }))).toEqual(['p-run']);
    expect(
      ids(await search({ query: 'running', filter: { authorId: 'u-ada', types: ['PRODUCT'] } })),
    ).toEqual([]);
  });

  it('highlights matches, HTML-escaped', async () => {
    const [bread] = (await search({ query: 'sourdough', filter: { types: ['POST'] } })).data!.search.edges;
    expect(bread?.node.highlights).toContainEqual({
      field: 'title',
      snippets: ['Baking <em>sourdough</em> bread'],
    });
    const [xss] = (await search({ query: 'script' })).data!.search.edges;
    const title = xss?.node.highlights.find((highlight) => highlight.field === 'title')?.snippets[0] ?? '';
    expect(title).toContain('&lt;<em>script</em>&gt;');
    expect(title).not.toContain('<script>');
  });

  it('pages with search_after through equal scores without duplicates or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: GraphQLResult<SearchData> = await search({ query: 'widget', first: 5, after });
      const page = result.data!.search;
      seen.push(...ids(result));
      expect(page.totalCount).toBe(WIDGETS);
      expect(page.pageInfo.hasPreviousPage).toBe(pages > 0);
      pages += 1;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(5);
    expect(seen).toHaveLength(WIDGETS);
    expect(new Set(seen).size).toBe(WIDGETS);
    // Equal scores fall back to the key order.
    expect(seen).toEqual([...seen].sort());
  });

  it('pages one hit at a time through different scores in the same order as one page', async () => {
    const whole = ids(await search({ query: 'running', first: 10 }));
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const result: GraphQLResult<SearchData> = await search({ query: 'running', first: 1, after });
      paged.push(...ids(result));
      after = result.data!.search.pageInfo.hasNextPage ? result.data!.search.pageInfo.endCursor : null;
    } while (after !== null);
    expect(paged).toEqual(whole);
  });

  it('refuses a cursor from another query or filter', async () => {
    const first = (await search({ query: 'widget', first: 2 })).data!.search.pageInfo.endCursor;
    expect(errorOf(await search({ query: 'running', after: first }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
    expect(
      errorOf(await search({ query: 'widget', filter: { types: ['PRODUCT'] }, after: first })),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
    expect(errorOf(await search({ query: 'widget', after: 'not-a-cursor' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
    // The same query with other spacing is the same list.
    expect((await search({ query: '  widget ', first: 2, after: first })).errors).toBeUndefined();
  });

  it('rejects bad input, naming the argument', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ query: '' }, 'query'],
      [{ query: '   ' }, 'query'],
      [{ query: 'x'.repeat(501) }, 'query'],
      [{ query: 'running', first: 0 }, 'first'],
      [{ query: 'running', first: 51 }, 'first'],
      [{ query: 'running', filter: { priceMinCents: 500, priceMaxCents: 100 } }, 'filter.priceMinCents'],
      [{ query: 'running', filter: { priceMinCents: -1 } }, 'filter.priceMinCents'],
      [{ query: 'running', filter: { tags: [''] } }, 'filter.tags'],
    ];
    for (const [variables, field] of cases) {
      expect(errorOf(await search(variables)), JSON.stringify(variables)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
    expect((await search({ query: 'x'.repeat(500) })).errors).toBeUndefined();
    expect((await search({ query: 'running', first: 50 })).errors).toBeUndefined();
  });
});

describe('suggest', () => {
  it('completes any word of titles and names', async () => {
    const { data } = await suggest({ prefix: 'sour' });
    expect(data!.suggest).toHaveLength(2);
    expect(data!.suggest).toEqual(
      expect.arrayContaining([
        { text: 'Baking sourdough bread', type: 'POST', id: 'p-bread' },
        { text: 'Sourdough starter kit', type: 'PRODUCT', id: 'pr-starter' },
      ]),
    );
    expect((await suggest({ prefix: 'trail ru' })).data!.suggest.map((s) => s.id).sort()).toEqual([
      'p-trail',
      'pr-shoes',
    ]);
    expect((await suggest({ prefix: 'ada' })).data!.suggest).toEqual([
      { text: 'Ada Lovelace', type: 'USER', id: 'u-ada' },
    ]);
    expect((await suggest({ prefix: 'secret' })).data!.suggest).toEqual([]);
  });

  it('returns at most `first` suggestions (8 by default)', async () => {
    expect((await suggest({ prefix: 'blue' })).data!.suggest).toHaveLength(8);
    expect((await suggest({ prefix: 'blue', first: 3 })).data!.suggest).toHaveLength(3);
  });

  it('rejects bad input, naming the argument', async () => {
    expect(errorOf(await suggest({ prefix: '' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'prefix' });
    expect(errorOf(await suggest({ prefix: ' ' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'prefix',
    });
    expect(errorOf(await suggest({ prefix: 'a'.repeat(101) }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'prefix',
    });
    expect(errorOf(await suggest({ prefix: 'a', first: 0 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect(errorOf(await suggest({ prefix: 'a', first: 51 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
  });
});

describe('when the search engine is down', () => {
  it('answers UNAVAILABLE naming the engine, and keeps serving', async () => {
    // Nothing listens on port 1: connection refused, as when the engine is stopped.
    const down = await createSubgraph(testConfig(namespace, { SEARCH_URL: 'http://127.0.0.1:1' }));
    try {
      for (const result of [
        await callAsGateway(down.url, SEARCH, { query: 'running' }),
        await callAsGateway(down.url, SUGGEST, { prefix: 'run' }),
      ]) {
        expect(result.data).toBeNull();
        expect(errorOf(result)).toMatchObject({ code: 'UNAVAILABLE' });
        expect(result.errors![0]!.message).toMatch(/search engine opensearch is unavailable/);
        expect(result.errors![0]!.extensions?.engine).toBe('opensearch');
      }
      // Input errors are still reported as such without asking the engine.
      expect(errorOf(await callAsGateway(down.url, SEARCH, { query: '' }))).toMatchObject({
        code: 'BAD_USER_INPUT',
      });
      const ready = await fetch(down.url.replace('/graphql', '/ready'));
      expect(ready.status).toBe(503);
    } finally {
      await down.stop();
    }
  });

  it('answers UNAVAILABLE when the index does not exist yet', async () => {
    const missing = await createSubgraph(
      testConfig({ alias: `${namespace.alias}-missing`, stream: namespace.stream }),
    );
    try {
      expect(errorOf(await callAsGateway(missing.url, SEARCH, { query: 'running' }))).toMatchObject({
        code: 'UNAVAILABLE',
      });
    } finally {
      await missing.stop();
    }
  });
});
