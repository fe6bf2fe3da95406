import type { WeaviateClient } from 'weaviate-client';
import { createPostCollection } from '../../src/collection-schema.js';
import type { Embedder } from '../../src/embedder.js';
import { embeddingText, type IndexedPost } from '../../src/indexed-post.js';
import { SemanticSearch } from '../../src/search.js';
import { DEFAULT_HYBRID_ALPHA } from '../../src/validation.js';
import { PostIndex, type PostHit } from '../../src/store.js';
import { corpus, type EvalPost } from './corpus.js';
import type { EvalQuery } from './queries.js';

export const RECALL_AT = 5;
/** Ranks beyond this count as "not found" for MRR. */
export const MRR_DEPTH = 10;

export type Method = 'semantic' | 'hybrid' | 'bm25';
export const METHODS: Method[] = ['semantic', 'hybrid', 'bm25'];

export interface MethodScores {
  /** Mean share of a query's relevant posts found in the top RECALL_AT. */
  recall: number;
  /** Mean reciprocal rank of the first relevant post (0 beyond MRR_DEPTH). */
  mrr: number;
  /** Share of queries whose first hit is relevant. */
  hitAt1: number;
}

export interface QueryOutcome {
  query: EvalQuery;
  /** 1-based rank of the first relevant post per method, null when not in the top MRR_DEPTH. */
  firstRelevantRank: Record<Method, number | null>;
}

export interface EvalReport {
  queries: number;
  posts: number;
  embedder: string;
  scores: Record<Method, MethodScores>;
  outcomes: QueryOutcome[];
}

export function asIndexed(post: EvalPost, position: number): IndexedPost {
  return {
    postId: post.id,
    title: post.title,
    body: post.body,
    tags: post.tags,
    authorId: `author-${position % 7}`,
    status: 'PUBLISHED',
    createdAt: new Date(Date.UTC(2024, 0, 1 + position)),
    version: 1,
  };
}

function scoreRanking(
  ranking: PostHit[],
  relevant: string[],
): { recall: number; reciprocalRank: number; rank: number | null } {
  const ids = ranking.map((hit) => hit.postId);
  const found = relevant.filter((id) => ids.slice(0, RECALL_AT).includes(id)).length;
  const index = ids.findIndex((id) => relevant.includes(id));
  const rank = index === -1 ? null : index + 1;
  return { recall: found / relevant.length, reciprocalRank: rank === null ? 0 : 1 / rank, rank };
}

/**
 * Indexes the fixed corpus into a temporary collection and ranks every labelled query with the
 * three methods: recall@5 (share of a query's relevant posts in its top 5, averaged) and MRR@10.
 */
export async function runEval(
  client: WeaviateClient,
  embedder: Embedder,
  querySets: Record<string, EvalQuery[]>,
  alpha = DEFAULT_HYBRID_ALPHA,
): Promise<Record<string, EvalReport>> {
  const name = `EvalPost_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await createPostCollection(client, name);
  try {
    const index = new PostIndex(client, name);
    const posts = corpus.map(asIndexed);
    const vectors = await embedder.embed(posts.map(embeddingText));
    await index.upsert(posts.map((post, i) => ({ post, vector: vectors[i]! })));
    const search = new SemanticSearch(index, embedder);
    const reports: Record<string, EvalReport> = {};
    for (const [setName, queries] of Object.entries(querySets)) {
      reports[setName] = await rankAll(search, queries, alpha, embedder.name);
    }
    return reports;
  } finally {
    await client.collections.delete(name);
  }
}

async function rankAll(
  search: SemanticSearch,
  queries: EvalQuery[],
  alpha: number,
  embedder: string,
): Promise<EvalReport> {
  const totals: Record<Method, MethodScores> = {
    semantic: { recall: 0, mrr: 0, hitAt1: 0 },
    hybrid: { recall: 0, mrr: 0, hitAt1: 0 },
    bm25: { recall: 0, mrr: 0, hitAt1: 0 },
  };
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    const rankings: Record<Method, PostHit[]> = {
      semantic: await search.semantic(query.text, MRR_DEPTH),
      hybrid: await search.hybrid(query.text, alpha, MRR_DEPTH),
      bm25: await search.keyword(query.text, MRR_DEPTH),
    };
    const firstRelevantRank = {} as Record<Method, number | null>;
    for (const method of METHODS) {
      const scored = scoreRanking(rankings[method], query.relevant);
      totals[method].recall += scored.recall;
      totals[method].mrr += scored.reciprocalRank;
      totals[method].hitAt1 += scored.rank === 1 ? 1 : 0;
      firstRelevantRank[method] = scored.rank;
    }
    outcomes.push({ query, firstRelevantRank });
  }
  const scores = {} as Record<Method, MethodScores>;
  for (const method of METHODS) {
    const { recall, mrr, hitAt1 } = totals[method];
    scores[method] = {
      recall: recall / queries.length,
      mrr: mrr / queries.length,
      hitAt1: hitAt1 / queries.length,
    };
  }
  return { queries: queries.length, posts: corpus.length, embedder, scores, outcomes };
}
