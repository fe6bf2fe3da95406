/**
 * `npm run bench:embed -w @aetherial/semantic [-- --posts=600] [-- --out=<file.md>]`: embedding
 * throughput (posts/s) of each embedder on demo-like posts (the content seed's generator, title +
 * body as the indexer embeds them), by batch size and thread count. Run on an otherwise idle machine.
 */
import { writeFileSync } from 'node:fs';
import { seededRandom } from '@aetherial/subgraph-kit';
import { generatePostText } from '../../content/src/seed/generate.js';
import { loadSemanticConfig } from '../src/config.js';
import { UseLiteEmbedder, type Embedder } from '../src/embedder.js';
import { MINILM_MODELS } from '../src/models.js';
import { OnnxSentenceEmbedder } from '../src/onnx-embedder.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const count = Number(arg('posts') ?? 600);
const config = loadSemanticConfig();
const random = seededRandom(14);
const texts = Array.from({ length: count }, () => {
  const post = generatePostText(random);
  return `${post.title}\n${post.body}`.slice(0, 4000);
});

async function measure(embedder: Embedder): Promise<number> {
  await embedder.embed(texts.slice(0, 8)); // load the model, warm up
  const started = performance.now();
  await embedder.embed(texts);
  return (count * 1000) / (performance.now() - started);
}

const rows = ['| embedder | batch | threads | posts/s |', '|---|---|---|---|'];
const record = (name: string, batch: number, threads: number | string, rate: number) => {
  rows.push(`| ${name} | ${batch} | ${threads} | ${rate.toFixed(1)} |`);
  console.log(rows.at(-1));
};
console.log(
  `${count} demo-like posts, mean ${Math.round(texts.reduce((n, t) => n + t.length, 0) / count)} characters`,
);
record('universal-sentence-encoder-lite', 32, 'wasm', await measure(new UseLiteEmbedder(32)));
for (const model of [MINILM_MODELS['all-minilm-l6-v2-q'], MINILM_MODELS['all-minilm-l6-v2']]) {
  for (const threads of [1, 2]) {
    for (const batchSize of [8, 32]) {
      const embedder = new OnnxSentenceEmbedder(model, config.SEMANTIC_MODELS_DIR, { threads, batchSize });
      record(model.name, batchSize, threads, await measure(embedder));
    }
  }
}
const outArg = arg('out');
if (outArg) writeFileSync(outArg, `${rows.join('\n')}\n`);
