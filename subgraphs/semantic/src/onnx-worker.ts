/**
 * A worker thread of `OnnxSentenceEmbedder`: one single-threaded onnxruntime session, fed texts
 * by the pool, answering with their vectors (the buffer is transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxInference, type InferenceModel } from './onnx-inference.js';

export interface EmbedRequest {
  id: number;
  texts: string[];
}

export type EmbedReply =
  | { kind: 'ready' }
  | { kind: 'load-failed'; error: string }
  | { kind: 'vectors'; id: number; vectors: Float32Array }
  | { kind: 'failed'; id: number; error: string };

const port = parentPort;
if (!port) throw new Error('onnx-worker runs as a worker thread of OnnxSentenceEmbedder');
const reply = (message: EmbedReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

OnnxInference.load(workerData as InferenceModel).then(
  (inference) => {
    // Requests are answered one after another: the session runs on this thread.
    let queue = Promise.resolve();
    port.on('message', (request: EmbedRequest) => {
      queue = queue.then(async () => {
        try {
          const vectors = await inference.embed(request.texts);
          reply({ kind: 'vectors', id: request.id, vectors }, [vectors.buffer as ArrayBuffer]);
        } catch (error) {
          reply({ kind: 'failed', id: request.id, error: (error as Error).message });
        }
      });
    });
    reply({ kind: 'ready' });
  },
  (error: unknown) => reply({ kind: 'load-failed', error: (error as Error).message }),
);
