import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';

/**
 * Tokens per text: sentence-transformers' own limit for all-MiniLM-L6-v2 (longer texts are cut,
 * as the library does; it was trained on up to 128 and positions go to 512).
 */
const MAX_TOKENS = 256;

export interface InferenceModel {
  name: string;
  onnxPath: string;
  tokenizerPath: string;
  dimensions: number;
  /** Texts per inference; 1 for a model whose vectors depend on their batch-mates (int8). */
  batchSize: number;
}

/**
 * One single-threaded onnxruntime session of a BERT-style sentence encoder: WordPiece tokens from
 * the model's own tokenizer.json (@huggingface/tokenizers, pure JS), token embeddings averaged over
 * the attention mask and scaled to unit length, as sentence-transformers does for MiniLM. Texts
 * are sorted by length before batching and each batch is padded to its own longest text only.
 * onnxruntime-node runs an inference on the calling thread, so `OnnxSentenceEmbedder` keeps one
 * of these per worker thread to use several cores.
 */
export class OnnxInference {
  private constructor(
    private readonly model: InferenceModel,
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
  ) {}

  static async load(model: InferenceModel): Promise<OnnxInference> {
    const tokenizer = new Tokenizer(JSON.parse(readFileSync(model.tokenizerPath, 'utf8')) as object, {});
    const session = await ort.InferenceSession.create(model.onnxPath, {
      // One thread per session: a worker per core used both cores better than one inference on
      // two threads, which spin-wait on each other (measured: half the posts per CPU-second).
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new OnnxInference(model, session, tokenizer);
  }

  private tokens(text: string): number[] {
    const { ids } = this.tokenizer.encode(text);
    if (ids.length <= MAX_TOKENS) return ids;
    // Keep [CLS] ... and the closing [SEP].
    return [...ids.slice(0, MAX_TOKENS - 1), ids.at(-1)!];
  }

  /** Unit vectors of `texts`, in their order, concatenated (`texts.length * dimensions`). */
  async embed(texts: string[]): Promise<Float32Array> {
    const width = this.model.dimensions;
    const out = new Float32Array(texts.length * width);
    const encoded = texts.map((text) => this.tokens(text));
    const order = encoded
      .map((_, position) => position)
      .sort((a, b) => encoded[a]!.length - encoded[b]!.length);
    for (let start = 0; start < order.length; start += this.model.batchSize) {
      const batch = order.slice(start, start + this.model.batchSize);
      await this.runBatch(
        batch.map((position) => encoded[position]!),
        (row, vector) => out.set(vector, batch[row]! * width),
      );
    }
    return out;
  }

  private async runBatch(batch: number[][], put: (row: number, vector: Float64Array) => void): Promise<void> {
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
    const outputs = await this.session.run({
      input_ids: new ort.Tensor('int64', inputIds, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(size), dims),
    });
    const width = this.model.dimensions;
    const hidden = outputs.last_hidden_state;
    if (!hidden || hidden.dims.length !== 3 || hidden.dims[2] !== width) {
      throw new Error(
        `embedding model ${this.model.name} returned ${JSON.stringify(hidden?.dims)}, expected [batch, tokens, ${width}]`,
      );
    }
    const data = hidden.data as Float32Array;
    batch.forEach((ids, row) => {
      // Mean over the real tokens (padding excluded), then unit length.
      const vector = new Float64Array(width); // summed in double precision, stored as float32
      for (let token = 0; token < ids.length; token += 1) {
        const offset = (row * length + token) * width;
        for (let d = 0; d < width; d += 1) vector[d]! += data[offset + d]!;
      }
      let norm = 0;
      for (let d = 0; d < width; d += 1) norm += vector[d]! * vector[d]!;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < width; d += 1) vector[d]! /= norm;
      put(row, vector);
    });
  }
}
