import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * `/metrics` for the whole cluster. The workers share one port, so a scrape reaches whichever
 * worker the primary hands the connection to; that worker asks the primary, which collects every
 * worker's registry over the cluster's IPC channel (prom-client's AggregatorRegistry: counters and
 * histograms summed, gauges as prom-client aggregates each) and answers with the total. Chosen over
 * one port per worker: Prometheus keeps scraping one address, the worker count can change without
 * touching its configuration, and the totals need no PromQL `sum` to be right.
 * `/metrics?scope=worker` still shows the worker that answered.
 */
const REQUEST = 'aetherial:cluster-metrics-request';
const RESPONSE = 'aetherial:cluster-metrics-response';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  metrics?: string;
  error?: string;
}

const isRequest = (message: unknown): message is MetricsRequest =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REQUEST;
const isResponse = (message: unknown): message is MetricsResponse =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === RESPONSE;

/** In the primary: answers workers' requests with the metrics of every worker. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isRequest(message)) return;
    aggregator.clusterMetrics().then(
      (metrics) => worker.send({ type: RESPONSE, id: message.id, metrics } satisfies MetricsResponse),
      (error: unknown) =>
        worker.send({
          type: RESPONSE,
          id: message.id,
          error: (error as Error).message,
        } satisfies MetricsResponse),
    );
  });
}

export interface MetricsEndpoint {
  contentType: string;
  /** The cluster's metrics, or this process's (`worker`, or when not a cluster worker). */
  metrics: (scope: 'cluster' | 'worker') => Promise<string>;
}

/**
 * In a worker, hands the worker's registry to prom-client's aggregation (the primary collects it)
 * and asks the primary for the total on a scrape; in a single process, serves the registry itself.
 */
export function metricsEndpoint(registry: Registry, timeoutMs = 5000): MetricsEndpoint {
  const local = { contentType: registry.contentType, metrics: () => registry.metrics() };
  if (!cluster.isWorker || !process.send) return local;
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // adds the worker's listener for the primary's collection requests
  let next = 0;
  const pending = new Map<number, (response: MetricsResponse) => void>();
  process.on('message', (message: unknown) => {
    if (isResponse(message)) pending.get(message.id)?.(message);
  });
  return {
    contentType: registry.contentType,
    metrics: (scope) => {
      if (scope === 'worker') return registry.metrics();
      const id = (next += 1);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('the cluster primary did not answer with the metrics in time'));
        }, timeoutMs);
        pending.set(id, (response) => {
          clearTimeout(timer);
          pending.delete(id);
          if (response.metrics !== undefined) resolve(response.metrics);
          else reject(new Error(`cluster metrics failed: ${response.error ?? 'unknown error'}`));
        });
        process.send!({ type: REQUEST, id } satisfies MetricsRequest);
      });
    },
  };
}
