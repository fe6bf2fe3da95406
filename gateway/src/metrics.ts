import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one gateway process; /metrics sums them over the cluster (cluster-metrics.ts). */
export function createGatewayMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    workers: new Gauge({
      name: 'gateway_workers',
      help: 'Gateway processes listening (1 per process; the cluster-wide /metrics sums them)',
      aggregator: 'sum',
      registers: [registry],
    }),
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'GraphQL requests',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'GraphQL request duration at the gateway',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'gateway_errors_total',
      help: 'GraphQL errors by code (known codes; OTHER for any other value)',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    cache: new Counter({
      name: 'gateway_response_cache_total',
      help: 'Response cache lookups by result (hit, miss, bypass when Redis is unavailable)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    cacheInvalidations: new Counter({
      name: 'gateway_response_cache_invalidations_total',
      help: 'Cached responses dropped by domain events and mutations',
      registers: [registry],
    }),
    subgraphDuration: new Histogram({
      name: 'gateway_subgraph_duration_seconds',
      help: 'Subgraph call duration',
      labelNames: ['subgraph'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    subgraphErrors: new Counter({
      name: 'gateway_subgraph_errors_total',
      help: 'Subgraph errors (transport: unreachable or timed out; graphql: errors in its response)',
      labelNames: ['subgraph', 'kind'] as const,
      registers: [registry],
    }),
    subgraphShared: new Counter({
      name: 'gateway_subgraph_shared_total',
      help: 'Subgraph calls saved: a query identical to one already in flight shared its answer',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
