import { callAsGateway } from '@aetherial/subgraph-kit';
import type { WeaviateClient } from 'weaviate-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultEmbedder } from '../src/embedder.js';
import { createEventHandler } from '../src/indexer.js';
import { PostIndex } from '../src/store.js';
import { createSubgraph, type RunningSemanticSubgraph } from '../src/subgraph.js';
import { BAGUETTES, fixturePosts, KUBERNETES, MARATHON, SHIN_SPLINTS, SOURDOUGH } from './fixtures.js';
import {
  connectTestWeaviate,
  countingClient,
  dataOf,
  dropTestIndex,
  errorOf,
  newPostId,
  postEvent,
  silentLog,
  testAlias,
  testConfig,
} from './helpers.js';

interface Hit {
  score: number;
  post: { id: string };
}

const SEMANTIC = /* GraphQL */ `
  query Semantic($text: String!, $first: Int, $filter: SemanticFilter) {
    semanticSearch(text: $text, first: $first, filter: $filter) {
      score
      post {
        id
      }
    }
  }
`;
const HYBRID = /* GraphQL */ `
  query Hybrid($text: String!, $alpha: Float, $first: Int, $filter: SemanticFilter) {
    hybridSearch(text: $text, alpha: $alpha, first: $first, filter: $filter) {
      score
      post {
        id
      }
    }
  }
`;
const RELATED = /* GraphQL */ `
  query Related($representations: [_Any!]!, $first: Int) {
    _entities(representations: $representations) {
      ... on Post {
        id
        related(first: $first) {
          score
          post {
            id
          }
        }
      }
    }
  }
`;

const alias = testAlias('search');
let weaviate: WeaviateClient;
let counted: ReturnType<typeof countingClient>;
let subgraph: RunningSemanticSubgraph;
const draftId = newPostId();

const semantic = async (variables: Record<string, unknown>) =>
  dataOf(await callAsGateway<{ semanticSearch: Hit[] }>(subgraph, SEMANTIC, variables)).semanticSearch;
const ids = (hits: Hit[]) => hits.map((hit) => hit.post.id);
const byId = new Map(fixturePosts.map((post) => [post.id, post]));

beforeAll(async () => {
  weaviate = await connectTestWeaviate();
  counted = countingClient(weaviate);
  subgraph = await createSubgraph(testConfig({ SEMANTIC_COLLECTION: alias }), { client: counted.client });
  const handle = createEventHandler(new PostIndex(weaviate, alias), defaultEmbedder(), silentLog);
  await handle([
    ...fixturePosts.map((post) => postEvent('PostCreated', post.id, 1, post)),
    postEvent('PostCreated', draftId, 1, {
      title: 'Secret sourdough starter notes',
      body: 'My rye starter is not bubbling.',
      status: 'DRAFT',
    }),
  ]);
});

afterAll(async () => {
  await subgraph?.stop();
  await dropTestIndex(weaviate, alias);
  await weaviate?.close();
});

beforeEach(() => counted.reset());

describe('semanticSearch', () => {
  it('finds the post a paraphrase means, first, with a cosine-similarity score', async () => {
    // Shares no word with the post's title or body.
    const hits = await semantic({ text: 'wild yeast jar stopped growing', first: 3 });
    expect(ids(hits)[0]).toBe(SOURDOUGH);
    expect(hits).toHaveLength(3);
    for (const hit of hits) {
      expect(hit.score).toBeGreaterThan(-1);
      expect(hit.score).toBeLessThanOrEqual(1);
    }
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));

    const memory = await semantic({ text: 'container terminated for exceeding its RAM quota', first: 1 });
    expect(ids(memory)).toEqual([KUBERNETES]);
  });

  it('scores an exact copy of a post close to 1', async () => {
    const post = byId.get(MARATHON)!;
    const [hit] = await semantic({ text: `${post.title}\n${post.body}`, first: 1 });
    expect(hit?.post.id).toBe(MARATHON);
    expect(hit?.score).toBeGreaterThan(0.99);
  });

  it('never returns drafts', async () => {
    const hits = await semantic({ text: 'secret rye starter notes not bubbling', first: 50 });
    expect(ids(hits)).not.toContain(draftId);
    expect(hits).toHaveLength(fixturePosts.length);
  });

  it('filters by tags, author and creation time', async () => {
    const text = 'how to get better at this';
    const running = await semantic({ text, first: 50, filter: { tags: ['running'] } });
    expect(new Set(ids(running))).toEqual(new Set([MARATHON, SHIN_SPLINTS]));

    const anyOf = await semantic({ text, first: 50, filter: { tags: ['cars', 'finance'] } });
    expect(
      ids(anyOf).map((id) => byId.get(id)!.tags!.some((tag) => ['cars', 'finance'].includes(tag))),
    ).toEqual(anyOf.map(() => true));
    expect(anyOf).toHaveLength(2);

    const anna = await semantic({ text, first: 50, filter: { authorId: 'author-anna' } });
    expect(new Set(ids(anna))).toEqual(
      new Set(fixturePosts.filter((post) => post.authorId === 'author-anna').map((post) => post.id)),
    );

    const recent = await semantic({ text, first: 50, filter: { createdAfter: '2024-06-10T08:00:00.000Z' } });
    expect(new Set(ids(recent))).toEqual(
      new Set(
        fixturePosts.filter((post) => post.createdAt! > '2024-06-10T08:00:00.000Z').map((post) => post.id),
      ),
    );

    const combined = await semantic({
      text: 'bread',
      first: 50,
      filter: { tags: ['baking'], authorId: 'author-ben', createdAfter: '2024-01-01T00:00:00Z' },
    });
    expect(ids(combined)).toEqual([BAGUETTES]);
  });

  it('answers with as many hits as asked for', async () => {
    expect(await semantic({ text: 'anything at all', first: 2 })).toHaveLength(2);
    expect(await semantic({ text: 'anything at all' })).toHaveLength(fixturePosts.length); // default 10 > 8 posts
  });
});

describe('hybridSearch', () => {
  const hybrid = async (variables: Record<string, unknown>) =>
    dataOf(await callAsGateway<{ hybridSearch: Hit[] }>(subgraph, HYBRID, variables)).hybridSearch;

  it('ranks a rare exact term first through its keyword half', async () => {
    const hits = await hybrid({ text: 'OOMKilled', first: 3 });
    expect(ids(hits)[0]).toBe(KUBERNETES);
  });

  it('follows meaning when alpha is 1 and keywords when alpha is 0', async () => {
    const byMeaning = await hybrid({ text: 'wild yeast jar stopped growing', alpha: 1, first: 1 });
    expect(ids(byMeaning)).toEqual([SOURDOUGH]);
    // Only one post contains "avalanche": pure keyword search returns just that one.
    const byKeyword = await hybrid({ text: 'avalanche', alpha: 0, first: 5 });
    expect(ids(byKeyword)).toEqual([fixturePosts[6]!.id]);
  });

  it('puts the post holding every word of the text first, even where meaning ranks another higher', async () => {
    // Only the baguette post says "steam"; by meaning alone (alpha 1) another post comes first.
    const byMeaning = await hybrid({ text: 'steam', alpha: 1, first: 1 });
    expect(ids(byMeaning)).not.toEqual([BAGUETTES]);
    const hits = await hybrid({ text: 'steam', first: 3 });
    expect(ids(hits)[0]).toBe(BAGUETTES);
    // With room for one hit only, the first fused hit is the other post: ranked deeper, the
    // baguette post is still first, with its score in that deeper fused list (below the top's 1).
    const [top] = await hybrid({ text: 'steam', first: 1 });
    expect(top?.post.id).toBe(BAGUETTES);
    expect(top?.score).toBeGreaterThan(0);
    expect(top?.score).toBeLessThan(1);
  });

  it('applies the filter', async () => {
    const hits = await hybrid({
      text: 'bread starter',
      first: 10,
      filter: { authorId: 'author-ben', tags: ['baking'] },
    });
    expect(ids(hits)).toEqual([BAGUETTES]);
  });
});

describe('Post.related', () => {
  it('lists the nearest other posts, never the post itself', async () => {
    const result = dataOf(
      await callAsGateway<{ _entities: { id: string; related: Hit[] }[] }>(subgraph, RELATED, {
        representations: [{ __typename: 'Post', id: SOURDOUGH }],
        first: 3,
      }),
    );
    const related = result._entities[0]!.related;
    expect(related).toHaveLength(3);
    expect(ids(related)).not.toContain(SOURDOUGH);
    // Nearest first (which post is nearest to this one depends on the model: MiniLM puts the
    // "fixed a thing that stopped working" Kubernetes post before the baguettes; the running pair
    // below is the same for every model).
    const scores = related.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const all = dataOf(
      await callAsGateway<{ _entities: { related: Hit[] }[] }>(subgraph, RELATED, {
        representations: [{ __typename: 'Post', id: MARATHON }],
        first: 50,
      }),
    );
    expect(all._entities[0]!.related).toHaveLength(fixturePosts.length - 1);
    expect(ids(all._entities[0]!.related)[0]).toBe(SHIN_SPLINTS);
  });

  it('is an empty list for a post that is not indexed (draft or unknown)', async () => {
    const result = dataOf(
      await callAsGateway<{ _entities: { id: string; related: Hit[] }[] }>(subgraph, RELATED, {
        representations: [
          { __typename: 'Post', id: draftId },
          { __typename: 'Post', id: newPostId() },
        ],
      }),
    );
    expect(result._entities.map((entity) => entity.related)).toEqual([[], []]);
  });

  it('fetches the vectors of every post in a response with one Weaviate query', async () => {
    const representations = fixturePosts.slice(0, 5).map((post) => ({ __typename: 'Post', id: post.id }));
    const result = dataOf(
      await callAsGateway<{ _entities: { id: string; related: Hit[] }[] }>(subgraph, RELATED, {
        representations,
        first: 2,
      }),
    );
    expect(result._entities.map((entity) => entity.related.length)).toEqual([2, 2, 2, 2, 2]);
    expect(counted.calls.get('fetchObjects')).toBe(1);
    // One neighbour search per post: Weaviate has no batched nearVector.
    expect(counted.calls.get('nearVector')).toBe(5);
  });
});

describe('bad input', () => {
  const expectBadInput = async (query: string, variables: Record<string, unknown>, field: string) => {
    const error = errorOf(await callAsGateway(subgraph, query, variables));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  };

  it('rejects empty and over-long text', async () => {
    await expectBadInput(SEMANTIC, { text: '' }, 'text');
    await expectBadInput(SEMANTIC, { text: '   \n ' }, 'text');
    await expectBadInput(SEMANTIC, { text: 'x'.repeat(2001) }, 'text');
    await expectBadInput(HYBRID, { text: '' }, 'text');
    expect(await semantic({ text: 'y'.repeat(2000), first: 1 })).toHaveLength(1);
  });

  it('rejects first outside 1..50', async () => {
    await expectBadInput(SEMANTIC, { text: 'bread', first: 0 }, 'first');
    await expectBadInput(SEMANTIC, { text: 'bread', first: 51 }, 'first');
    await expectBadInput(HYBRID, { text: 'bread', first: -1 }, 'first');
    await expectBadInput(
      RELATED,
      { representations: [{ __typename: 'Post', id: SOURDOUGH }], first: 0 },
      'first',
    );
    expect(await semantic({ text: 'bread', first: 50 })).toHaveLength(fixturePosts.length);
  });

  it('rejects alpha outside [0, 1]', async () => {
    await expectBadInput(HYBRID, { text: 'bread', alpha: -0.1 }, 'alpha');
    await expectBadInput(HYBRID, { text: 'bread', alpha: 1.5 }, 'alpha');
  });

  it('rejects a malformed filter', async () => {
    await expectBadInput(
      SEMANTIC,
      { text: 'bread', filter: { createdAfter: 'last tuesday' } },
      'filter.createdAfter',
    );
    await expectBadInput(SEMANTIC, { text: 'bread', filter: { tags: [''] } }, 'filter.tags');
    await expectBadInput(SEMANTIC, { text: 'bread', filter: { authorId: ' ' } }, 'filter.authorId');
  });

  it('makes no Weaviate request for invalid input', async () => {
    await callAsGateway(subgraph, SEMANTIC, { text: '', first: 3 });
    expect([...counted.calls.values()].reduce((sum, n) => sum + n, 0)).toBe(0);
  });
});

describe('when Weaviate is down', () => {
  it('answers UNAVAILABLE naming Weaviate, and /ready fails', async () => {
    const down = await createSubgraph(
      testConfig({
        SEMANTIC_COLLECTION: alias,
        WEAVIATE_URL: 'http://127.0.0.1:59998',
        WEAVIATE_GRPC_PORT: '59997',
      }),
    );
    try {
      for (const [query, variables] of [
        [SEMANTIC, { text: 'bread' }],
        [HYBRID, { text: 'bread' }],
        [RELATED, { representations: [{ __typename: 'Post', id: SOURDOUGH }] }],
      ] as const) {
        const error = errorOf(await callAsGateway(down, query, variables));
        expect(error.code).toBe('UNAVAILABLE');
        expect(error.message).toMatch(/Weaviate/);
      }
      const ready = await fetch(down.url.replace('/graphql', '/ready'));
      expect(ready.status).toBe(503);
      expect(
        await fetch(subgraph.url.replace('/graphql', '/ready')).then((response) => response.status),
      ).toBe(200);
    } finally {
      await down.stop();
    }
  });
});
