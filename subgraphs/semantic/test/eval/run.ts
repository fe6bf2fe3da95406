import { writeFileSync } from 'node:fs';
import { loadSemanticConfig } from '../../src/config.js';
import { DEFAULT_HYBRID_ALPHA } from '../../src/validation.js';
import { defaultEmbedder } from '../../src/embedder.js';
import { connectWeaviate } from '../../src/weaviate.js';
import { METHODS, MRR_DEPTH, RECALL_AT, runEval, type EvalReport } from './evaluate.js';
import { exactTermQueries, queries } from './queries.js';

/**
 * `npm run eval -w @aetherial/semantic [-- --misses] [-- --alpha=0.5] [-- --out=<file.md>]`:
 * semantic vs hybrid vs BM25 on the labelled paraphrase set (and on exact-term queries), printed
 * as tables (and written to `--out`), with the embedder SEMANTIC_EMBEDDER names.
 */
const lines: string[] = [];
const print = (line: string) => {
  lines.push(line);
  console.log(line);
};

function printTable(title: string, report: EvalReport, alpha: number, misses: boolean): void {
  print(`\n${title}: ${report.queries} queries over ${report.posts} posts, embedder ${report.embedder}\n`);
  const labels = {
    semantic: 'semantic (nearVector)',
    hybrid: `hybrid (alpha ${alpha})`,
    bm25: 'BM25 (keywords)',
  };
  print(`| method                 | recall@${RECALL_AT} | MRR@${MRR_DEPTH} | hit@1 |`);
  print('|------------------------|----------|--------|-------|');
  for (const method of METHODS) {
    const { recall, mrr, hitAt1 } = report.scores[method];
    print(
      `| ${labels[method].padEnd(22)} | ${recall.toFixed(3).padStart(8)} | ${mrr.toFixed(3).padStart(6)} | ${hitAt1.toFixed(3).padStart(5)} |`,
    );
  }
  if (!misses) return;
  print(
    '\nqueries whose first semantic hit is not relevant (rank semantic / hybrid / bm25, - = not in top 10):',
  );
  for (const { query, firstRelevantRank: rank } of report.outcomes) {
    if (rank.semantic !== 1) {
      print(
        `  "${query.text}" -> ${query.relevant.join(',')}: ${rank.semantic ?? '-'} / ${rank.hybrid ?? '-'} / ${rank.bm25 ?? '-'}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const config = loadSemanticConfig();
  const alphaArg = process.argv.find((arg) => arg.startsWith('--alpha='));
  const alpha = alphaArg ? Number(alphaArg.slice('--alpha='.length)) : DEFAULT_HYBRID_ALPHA;
  const misses = process.argv.includes('--misses');
  const client = await connectWeaviate(config);
  try {
    const started = Date.now();
    const reports = await runEval(
      client,
      defaultEmbedder(),
      { paraphrase: queries, exactTerm: exactTermQueries },
      alpha,
    );
    printTable('Paraphrase queries (the labelled set)', reports.paraphrase!, alpha, misses);
    printTable('Exact-term queries (names and jargon)', reports.exactTerm!, alpha, misses);
    print(`\neval took ${((Date.now() - started) / 1000).toFixed(1)}s (${new Date().toISOString()})`);
    const out = process.argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length);
    if (out) writeFileSync(out, `${lines.join('\n').trim()}\n`);
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(`eval failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
