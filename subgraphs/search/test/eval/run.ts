/**
 * `npm run eval -w @aetherial/search [-- --misses] [-- --out=<file.md>]`: full-text relevance on
 * the labelled sets (recall@5, recall@10, MRR@10, NDCG@10, zero-result rate), printed as a table.
 */
import { writeFileSync } from 'node:fs';
import { createLogger } from '@aetherial/subgraph-kit';
import { loadSearchConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/select.js';
import { evaluateSet, indexCorpus, type SetReport } from './evaluate.js';
import { corpus, QUERY_SETS } from './queries.js';

function table(reports: Record<string, SetReport>): string {
  const lines = [
    '| set | queries | recall@5 | recall@10 | MRR@10 | NDCG@10 | zero-result rate |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, { scores }] of Object.entries(reports)) {
    const cells = [scores.recallAt5, scores.recallAt10, scores.mrr, scores.ndcg, scores.zeroResults];
    lines.push(`| ${name} | ${scores.queries} | ${cells.map((value) => value.toFixed(3)).join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const config = loadSearchConfig();
  const log = createLogger('search-eval', 'silent');
  const engine = createEngine(config);
  const misses = process.argv.includes('--misses');
  const outArg = process.argv.find((arg) => arg.startsWith('--out='));
  const { alias, drop } = await indexCorpus(engine);
  try {
    const reports: Record<string, SetReport> = {};
    for (const [name, queries] of Object.entries(QUERY_SETS)) {
      reports[name] = await evaluateSet(engine, alias, queries, log);
    }
    const output = [
      `Full-text search (${config.SEARCH_ENGINE}) over ${corpus.length} posts`,
      '',
      table(reports),
    ].join('\n');
    console.log(output);
    if (misses) {
      for (const [name, report] of Object.entries(reports)) {
        for (const outcome of report.outcomes) {
          if (outcome.rank !== 1) {
            console.log(
              `  [${name}] "${outcome.query.text}" -> ${outcome.query.relevant.join(',')}: rank ${outcome.rank ?? '-'}, ${outcome.totalCount} hits${outcome.didYouMean ? `, did you mean "${outcome.didYouMean}"` : ''}`,
            );
          }
        }
      }
    }
    if (outArg) writeFileSync(outArg.slice('--out='.length), `${output}\n`);
  } finally {
    await drop();
    await engine.close();
  }
}

main().catch((error: unknown) => {
  console.error(`eval failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
