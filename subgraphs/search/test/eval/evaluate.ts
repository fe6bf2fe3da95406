/**
 * Full-text relevance on the labelled query sets: the corpus is indexed into a throw-away alias
 * through the real indexer path, and every query goes through the real search service (the same
 * query body, analysers and fallbacks as the subgraph).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@aetherial/subgraph-kit';
import { ensureIndex } from '../../src/aliases.js';
import type { SearchEngine } from '../../src/engine/engine.js';
import { applyEvents } from '../../src/indexer.js';
import { pendingAlias, searchIndexDefinition } from '../../src/mappings.js';
import { createSearchService } from '../../src/service.js';
import { corpus, type LabelledQuery } from './queries.js';

export const RECALL_AT = [5, 10] as const;
export const DEPTH = 10;

export interface SetScores {
  queries: number;
  recallAt5: number;
  recallAt10: number;
  /** Mean reciprocal rank of the first relevant post within the top DEPTH (0 beyond). */
  mrr: number;
  /** Binary-relevance NDCG@10. */
  ndcg: number;
  /** Share of queries answered with no hit at all. */
  zeroResults: number;
}

export interface QueryOutcome {
  query: LabelledQuery;
  rank: number | null;
  totalCount: number;
  didYouMean: string | null;
}

export interface SetReport {
  scores: SetScores;
  outcomes: QueryOutcome[];
}

function score(ranking: string[], relevant: string[]) {
  const recall = (k: number) =>
    relevant.filter((id) => ranking.slice(0, k).includes(id)).length / relevant.length;
  const index = ranking.findIndex((id) => relevant.includes(id));
  let dcg = 0;
  ranking.slice(0, DEPTH).forEach((id, position) => {
    if (relevant.includes(id)) dcg += 1 / Math.log2(position + 2);
  });
  let ideal = 0;
  for (let position = 0; position < Math.min(relevant.length, DEPTH); position += 1)
    ideal += 1 / Math.log2(position + 2);
  return {
    recallAt5: recall(5),
    recallAt10: recall(10),
    rank: index === -1 ? null : index + 1,
    ndcg: dcg / ideal,
  };
}

/** Indexes the corpus as posts under a fresh alias; returns the alias and a clean-up. */
export async function indexCorpus(
  engine: SearchEngine,
): Promise<{ alias: string; drop: () => Promise<void> }> {
  const alias = `aetherial-search-eval-${randomBytes(4).toString('hex')}`;
  const definition = searchIndexDefinition();
  await ensureIndex(engine, alias, definition);
  const events = corpus.map((post, position) => ({
    eventId: `eval-${post.id}`,
    type: 'PostCreated',
    entity: 'Post',
    entityId: post.id,
    version: 1,
    occurredAt: new Date(Date.UTC(2024, 0, 1 + position)).toISOString(),
    payload: {
      id: post.id,
      authorId: `author-${position % 7}`,
      title: post.title,
      body: post.body,
      tags: post.tags,
      status: 'PUBLISHED',
      createdAt: new Date(Date.UTC(2024, 0, 1 + position)).toISOString(),
      updatedAt: new Date(Date.UTC(2024, 0, 1 + position)).toISOString(),
    },
  }));
  await applyEvents(engine, alias, definition, events);
  await engine.refresh(alias);
  return {
    alias,
    drop: async () => {
      const indices = [
        ...(await engine.aliasTargets(alias)),
        ...(await engine.aliasTargets(pendingAlias(alias))),
      ];
      for (const index of new Set(indices)) await engine.deleteIndex(index);
    },
  };
}

export async function evaluateSet(
  engine: SearchEngine,
  alias: string,
  queries: LabelledQuery[],
  log: Logger,
): Promise<SetReport> {
  const service = createSearchService(engine, alias);
  const totals = { recallAt5: 0, recallAt10: 0, mrr: 0, ndcg: 0, zeroResults: 0 };
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    const result = await service.search({ query: query.text, first: DEPTH }, log);
    const ranking = result.edges.map((edge) => edge.node.item.id);
    const scored = score(ranking, query.relevant);
    totals.recallAt5 += scored.recallAt5;
    totals.recallAt10 += scored.recallAt10;
    totals.mrr += scored.rank === null ? 0 : 1 / scored.rank;
    totals.ndcg += scored.ndcg;
    totals.zeroResults += result.totalCount === 0 ? 1 : 0;
    outcomes.push({ query, rank: scored.rank, totalCount: result.totalCount, didYouMean: result.didYouMean });
  }
  const n = queries.length;
  return {
    scores: {
      queries: n,
      recallAt5: totals.recallAt5 / n,
      recallAt10: totals.recallAt10 / n,
      mrr: totals.mrr / n,
      ndcg: totals.ndcg / n,
      zeroResults: totals.zeroResults / n,
    },
    outcomes,
  };
}
