/**
 * `npm run bench:embed -w @aetherial/semantic [-- --posts=600] [-- --out=<file.md>]`: embedding
 * throughput (posts/s) of each embedder on demo-like posts (the content seed's generator, title +
 * body as the indexer embeds them), by batch size and worker threads, every embedder in the same
 * run (the ratios are what compare on a shared machine). The load average is recorded before and
 * after.
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
  '| embedder | batch | worker threads | posts/s (wall) | posts per CPU-second |',
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
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
const loadBefore = load();
console.log(`${count} posts, load average (1/5/15 min) ${loadBefore}`);
record('universal-sentence-encoder-lite', 32, 'wasm', await measure(new UseLiteEmbedder(32)));
for (const model of [MINILM_MODELS['all-minilm-l6-v2-q'], MINILM_MODELS['all-minilm-l6-v2']]) {
  for (const threads of [1, 2]) {
    // The int8 model runs one text per inference (see models.ts); batch sizes apply to float32.
    // One worker thread is how the embedder ran before the pool (inferences on one thread).
    for (const batchSize of model.batchInvariant ? [8, 32] : [1]) {
      const embedder = new OnnxSentenceEmbedder(model, config.SEMANTIC_MODELS_DIR, { threads, batchSize });
      record(model.name, batchSize, threads, await measure(embedder));
      await embedder.close(); // its workers must not compete with the next configuration
    }
  }
}
const header =
  `${count} demo-like posts, mean ${meanLength} characters, ${availableParallelism()} cores, ` +
  `load average (1/5/15 min) ${loadBefore} before, ${load()} after, ${new Date().toISOString()}`;
console.log(header);
const outArg = arg('out');
if (outArg) writeFileSync(outArg, `${header}\n\n${rows.join('\n')}\n`);
