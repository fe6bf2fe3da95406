import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import type { InferenceSession } from 'onnxruntime-node';
import type { Embedder } from './embedder.js';
import type { OnnxModel } from './models.js';

/**
 * Tokens per text: sentence-transformers' own limit for all-MiniLM-L6-v2 (longer texts are cut,
 * as the library does; it was trained on up to 128 and positions go to 512).
 */
const MAX_TOKENS = 256;
const DEFAULT_BATCH = 32;

export interface OnnxEmbedderOptions {
  /** Texts per inference (batch-invariant models only; the others run one text at a time). */
  batchSize?: number;
  /**
   * Inferences run at once, each on one thread; default: every core. Separate single-threaded
   * inferences kept both cores busier here than one inference on two threads (measured).
   */
  threads?: number;
}

type Onnx = typeof import('onnxruntime-node');

interface Loaded {
  ort: Onnx;
  session: InferenceSession;
  tokenizer: Tokenizer;
}

/**
 * A BERT-style sentence encoder on onnxruntime-node (CPU): WordPiece tokens from the model's own
 * tokenizer.json (@huggingface/tokenizers, pure JS, no download), the token embeddings averaged
 * over the attention mask and scaled to unit length, as sentence-transformers does for MiniLM.
 * Texts are sorted by length before batching so a batch pads little.
 */
export class OnnxSentenceEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  private loaded: Promise<Loaded> | undefined;

  constructor(
    private readonly model: OnnxModel,
    private readonly modelsDir: string,
    private readonly options: OnnxEmbedderOptions = {},
  ) {
    this.name = model.name;
    this.dimensions = model.dimensions;
  }

  private load(): Promise<Loaded> {
    this.loaded ??= (async () => {
      const onnx = join(this.modelsDir, this.model.onnxFile);
      const tokenizerFile = join(this.modelsDir, this.model.tokenizerFile);
      if (!existsSync(onnx) || !existsSync(tokenizerFile)) {
        throw new Error(
          `embedding model ${this.model.name} is not in ${this.modelsDir}: run \`npm run fetch-model -w @aetherial/semantic\``,
        );
      }
      // Imported here: the native runtime is loaded only by a process that uses this embedder.
      const [ort, { Tokenizer }] = await Promise.all([
        import('onnxruntime-node'),
        import('@huggingface/tokenizers'),
      ]);
      const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerFile, 'utf8')) as object, {});
      const session = await ort.InferenceSession.create(onnx, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      return { ort, session, tokenizer };
    })().catch((error: unknown) => {
      this.loaded = undefined; // the next call tries again rather than caching the failure
      throw new Error(`could not load the embedding model ${this.model.name}: ${(error as Error).message}`);
    });
    return this.loaded;
  }

  private tokens(tokenizer: Tokenizer, text: string): number[] {
    const { ids } = tokenizer.encode(text);
    if (ids.length <= MAX_TOKENS) return ids;
    // Keep [CLS] ... and the closing [SEP].
    return [...ids.slice(0, MAX_TOKENS - 1), ids.at(-1)!];
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const loaded = await this.load();
    const encoded = texts.map((text) => this.tokens(loaded.tokenizer, text));
    const order = encoded
      .map((_, position) => position)
      .sort((a, b) => encoded[a]!.length - encoded[b]!.length);
    const vectors: number[][] = new Array<number[]>(texts.length);
    const batchSize = this.model.batchInvariant ? (this.options.batchSize ?? DEFAULT_BATCH) : 1;
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += batchSize)
      batches.push(order.slice(start, start + batchSize));
    // onnxruntime-node runs each inference off the event loop: `threads` of them at a time.
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const embedded = await this.runBatch(
          loaded,
          batch.map((position) => encoded[position]!),
        );
        batch.forEach((position, i) => (vectors[position] = embedded[i]!));
      }
    };
    const parallel = Math.min(this.options.threads ?? availableParallelism(), batches.length);
    await Promise.all(Array.from({ length: parallel }, worker));
    return vectors;
  }

  private async runBatch({ ort, session }: Loaded, batch: number[][]): Promise<number[][]> {
    const length = Math.max(...batch.map((ids) => ids.length));
    const size = batch.length * length;
    const inputIds = new BigInt64Array(size);
    const mask = new BigInt64Array(size);
    batch.forEach((ids, row) => {
      ids.forEach((id, column) => {
        inputIds[row * length + column] = BigInt(id);
        mask[row * length + column] = 1n;
      });
    });
    const dims = [batch.length, length];
    const outputs = await session.run({
      input_ids: new ort.Tensor('int64', inputIds, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(size), dims),
    });
    const hidden = outputs.last_hidden_state;
    if (!hidden || hidden.dims.length !== 3 || hidden.dims[2] !== this.dimensions) {
      throw new Error(
        `embedding model ${this.model.name} returned ${JSON.stringify(hidden?.dims)}, expected [batch, tokens, ${this.dimensions}]`,
      );
    }
    const data = hidden.data as Float32Array;
    const width = this.dimensions;
    return batch.map((ids, row) => {
      // Mean over the real tokens (padding excluded), then unit length.
      const vector = new Array<number>(width).fill(0);
      for (let token = 0; token < ids.length; token += 1) {
        const offset = (row * length + token) * width;
        for (let d = 0; d < width; d += 1) vector[d]! += data[offset + d]!;
      }
      const norm = Math.hypot(...vector) || 1;
      return vector.map((value) => value / norm);
    });
  }
}
