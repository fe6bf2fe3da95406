import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one service, served on /metrics. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL requests by operation type (query, mutation, subscription) and outcome',
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
  const storeRequests = new Counter({
    name: 'store_requests_total',
    help: 'Round trips to a store, counted at the driver: SQL statements, MongoDB commands, Cypher queries, search engine HTTP requests, Weaviate requests, InfluxDB HTTP requests',
    labelNames: ['store'] as const,
    registers: [registry],
  });
  return { registry, requests, duration, storeRequests };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The `store` label of `store_requests_total`. */
export type StoreName =
  'postgres' | 'mongodb' | 'neo4j' | 'opensearch' | 'elasticsearch' | 'weaviate' | 'redis' | 'influxdb';

/** Counts round trips to one store; what a store module takes, so it need not know prom-client. */
export interface StoreRequestCounter {
  /** One round trip to the store. */
  inc(): void;
}

/**
 * `store_requests_total{store}` of one store in a service's registry, for the store module to call
 * at its driver's hook. The series is shown (at 0) from the start, so a rate over a scrape
 * interval that began before the first round trip is still defined.
 */
export function storeRequestCounter(metrics: Metrics, store: StoreName): StoreRequestCounter {
  metrics.storeRequests.inc({ store }, 0);
  return { inc: () => metrics.storeRequests.inc({ store }) };
}

/**
 * `events_consumer_lag{group}`: events in the stream a read model has not applied yet (not yet
 * delivered plus delivered but unacknowledged), read from Redis at each scrape; -1 when Redis
 * cannot be asked. One read model per subgraph process, so one gauge per registry.
 */
const LAG_TIMEOUT_MS = 1000;

export function registerConsumerLag(registry: Registry, group: string, lag: () => Promise<number>): void {
  new Gauge({
    name: 'events_consumer_lag',
    help: 'Domain events not yet applied by a consumer group',
    labelNames: ['group'] as const,
    registers: [registry],
    async collect() {
      // A consumer still waiting for Redis may not answer at all: a scrape must not hang on it.
      let timer: NodeJS.Timeout | undefined;
      const unanswered = new Promise<number>((resolve) => {
        timer = setTimeout(() => resolve(-1), LAG_TIMEOUT_MS);
      });
      this.set({ group }, await Promise.race([lag().catch(() => -1), unanswered]));
      clearTimeout(timer);
    },
  });
}
