/**
 * `npm run bench:embed -w @aetherial/semantic [-- --posts=600] [-- --out=<file.md>]`: embedding
 * throughput (posts/s) of each embedder on demo-like posts (the content seed's generator, title +
 * body as the indexer embeds them), by batch size and thread count. Run on an otherwise idle machine.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
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

/**
 * Posts per second of wall time, and per second of this process's CPU time (all its threads):
 * the second stays comparable when other work shares the cores.
 */
async function measure(embedder: Embedder): Promise<{ wall: number; cpu: number }> {
  await embedder.embed(texts.slice(0, 8)); // load the model, warm up
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await embedder.embed(texts);
  const cpu = process.cpuUsage(cpuStart);
  return {
    wall: (count * 1000) / (performance.now() - started),
    cpu: (count * 1_000_000) / (cpu.user + cpu.system),
  };
}

const rows = [
  '| embedder | batch | parallel inferences | posts/s (wall) | posts per CPU-second |',
  '|---|---|---|---|---|',
];
const record = (
  name: string,
  batch: number,
  threads: number | string,
  rate: { wall: number; cpu: number },
) => {
  rows.push(`| ${name} | ${batch} | ${threads} | ${rate.wall.toFixed(1)} | ${rate.cpu.toFixed(1)} |`);
  console.log(rows.at(-1));
};
const meanLength = Math.round(texts.reduce((n, t) => n + t.length, 0) / count);
const header = `${count} demo-like posts, mean ${meanLength} characters, load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;
console.log(header);
record('universal-sentence-encoder-lite', 32, 'wasm', await measure(new UseLiteEmbedder(32)));
for (const model of [MINILM_MODELS['all-minilm-l6-v2-q'], MINILM_MODELS['all-minilm-l6-v2']]) {
  for (const threads of [1, 2]) {
    // The int8 model runs one text per inference (see models.ts); batch sizes apply to float32.
    for (const batchSize of model.batchInvariant ? [8, 32] : [1]) {
      const embedder = new OnnxSentenceEmbedder(model, config.SEMANTIC_MODELS_DIR, { threads, batchSize });
      record(model.name, batchSize, threads, await measure(embedder));
    }
  }
}
const outArg = arg('out');
if (outArg) writeFileSync(outArg, `${header}\n\n${rows.join('\n')}\n`);
