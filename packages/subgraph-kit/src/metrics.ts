import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one service, served on /metrics. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL requests by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL request duration',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, requests, duration };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * `events_consumer_lag{group}`: events in the stream a read model has not applied yet (not yet
 * delivered plus delivered but unacknowledged), read from Redis at each scrape; -1 when Redis
 * cannot be asked. One read model per subgraph process, so one gauge per registry.
 */
export function registerConsumerLag(registry: Registry, group: string, lag: () => Promise<number>): void {
  new Gauge({
    name: 'events_consumer_lag',
    help: 'Domain events not yet applied by a consumer group',
    labelNames: ['group'] as const,
    registers: [registry],
    async collect() {
      this.set({ group }, await lag().catch(() => -1));
    },
  });
}
