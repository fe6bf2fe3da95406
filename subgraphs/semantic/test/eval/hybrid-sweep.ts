/**
 * `npm run eval:hybrid -w @aetherial/semantic`: hybrid search's alpha and fusion type measured on
 * the labelled sets (paraphrase and exact-term queries), next to its two halves. Each query is
 * embedded once; every (fusion, alpha) pair ranks the same vectors.
 */
import { writeFileSync } from 'node:fs';
import { createPostCollection } from '../../src/collection-schema.js';
import { loadSemanticConfig } from '../../src/config.js';
import { defaultEmbedder } from '../../src/embedder.js';
import { embeddingText } from '../../src/indexed-post.js';
import { SemanticSearch } from '../../src/search.js';
import { PostIndex, type HybridFusion, type PostHit } from '../../src/store.js';
import { connectWeaviate } from '../../src/weaviate.js';
import { asIndexed, MRR_DEPTH, RECALL_AT } from './evaluate.js';
import { corpus } from './corpus.js';
import { exactTermQueries, queries, type EvalQuery } from './queries.js';

const ALPHAS = [0, 0.25, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1];
const FUSIONS: HybridFusion[] = ['relativeScore', 'ranked'];

interface Scores {
  recall: number;
  mrr: number;
}

function scoreSet(rankings: PostHit[][], set: EvalQuery[]): Scores {
  let recall = 0;
  let mrr = 0;
  set.forEach((query, position) => {
    const ids = rankings[position]!.map((hit) => hit.postId);
    recall +=
      query.relevant.filter((id) => ids.slice(0, RECALL_AT).includes(id)).length / query.relevant.length;
    const rank = ids.findIndex((id) => query.relevant.includes(id));
    mrr += rank === -1 ? 0 : 1 / (rank + 1);
  });
  return { recall: recall / set.length, mrr: mrr / set.length };
}

async function main(): Promise<void> {
  const client = await connectWeaviate(loadSemanticConfig());
  const embedder = defaultEmbedder();
  const name = `EvalHybrid_${Date.now()}`;
  await createPostCollection(client, name);
  try {
    const index = new PostIndex(client, name);
    const posts = corpus.map(asIndexed);
    const vectors = await embedder.embed(posts.map(embeddingText));
    await index.upsert(posts.map((post, i) => ({ post, vector: vectors[i]! })));
    const sets = { paraphrase: queries, exactTerm: exactTermQueries };
    const queryVectors = Object.fromEntries(
      await Promise.all(
        Object.entries(sets).map(async ([setName, set]) => [
          setName,
          await embedder.embed(set.map((q) => q.text)),
        ]),
      ),
    ) as Record<string, number[][]>;
    const rows: string[] = [
      `Hybrid search on ${corpus.length} posts, embedder ${embedder.name}: recall@${RECALL_AT} / MRR@${MRR_DEPTH}`,
      '',
      '| method | paraphrase recall@5 | paraphrase MRR | exact-term recall@5 | exact-term MRR | mean MRR |',
      '|---|---|---|---|---|---|',
    ];
    const row = (label: string, bySet: Record<string, Scores>) => {
      const { paraphrase, exactTerm } = bySet as { paraphrase: Scores; exactTerm: Scores };
      rows.push(
        `| ${label} | ${paraphrase.recall.toFixed(3)} | ${paraphrase.mrr.toFixed(3)} | ${exactTerm.recall.toFixed(3)} | ${exactTerm.mrr.toFixed(3)} | ${((paraphrase.mrr + exactTerm.mrr) / 2).toFixed(3)} |`,
      );
    };
    const rank = async (run: (query: EvalQuery, vector: number[]) => Promise<PostHit[]>) => {
      const bySet: Record<string, Scores> = {};
      for (const [setName, set] of Object.entries(sets)) {
        const rankings: PostHit[][] = [];
        for (const [position, query] of set.entries())
          rankings.push(await run(query, queryVectors[setName]![position]!));
        bySet[setName] = scoreSet(rankings, set);
      }
      return bySet;
    };
    row('semantic (nearVector)', await rank((_query, vector) => index.nearVector(vector, MRR_DEPTH)));
    row('BM25 (Weaviate)', await rank((query) => index.bm25(query.text, MRR_DEPTH)));
    for (const fusion of FUSIONS) {
      for (const alpha of ALPHAS) {
        row(
          `hybrid ${fusion} alpha ${alpha}`,
          await rank((query, vector) => index.hybrid(query.text, vector, alpha, MRR_DEPTH, {}, fusion)),
        );
      }
    }
    // What hybridSearch serves: relative-score fusion with posts holding every word first.
    const search = new SemanticSearch(index, embedder);
    for (const alpha of ALPHAS) {
      row(
        `hybridSearch (relativeScore, all words first) alpha ${alpha}`,
        await rank((query, vector) => search.hybridOfVector(query.text, vector, alpha, MRR_DEPTH)),
      );
    }
    const output = rows.join('\n');
    console.log(output);
    const outArg = process.argv.find((arg) => arg.startsWith('--out='));
    if (outArg) writeFileSync(outArg.slice('--out='.length), `${output}\n`);
  } finally {
    await client.collections.delete(name);
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(`hybrid sweep failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
