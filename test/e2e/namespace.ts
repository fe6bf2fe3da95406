/**
 * The whole-graph tests run their own copy of the graph beside the demo one (test/graph/namespace.ts):
 * databases `aetherial_e2e`, Redis database 3, search alias `aetherial-e2e-search`, Weaviate
 * collection `PostE2e`, InfluxDB database `aetherial_e2e`.
 *
 * Ports and the event stream come from the environment that `claimRun()` (claim-run.ts) fills in:
 * global setup runs it before importing this module, and the test workers inherit it: a graph left running by an
 * interrupted earlier run, even from another clone, then neither holds our ports nor consumes our
 * events.
 */
import {
  defineNamespace,
  gatewayUrl as namespaceGatewayUrl,
  subgraphUrl as namespaceSubgraphUrl,
  type SubgraphName,
} from '../graph/namespace.js';

function envPort(name: string, fallback: number): number {
  return Number(process.env[name] ?? fallback);
}

export const e2e = defineNamespace({
  // Another name (and Redis database) lets two checkouts run the whole-graph tests at the same time.
  name: process.env.E2E_NAMESPACE ?? 'e2e',
  redisDatabase: envPort('E2E_REDIS_DATABASE', 3),
  eventsStream: process.env.E2E_EVENTS_STREAM ?? 'aetherial:e2e:events',
  gatewayPort: envPort('E2E_GATEWAY_PORT', 4100),
  ports: {
    core: envPort('E2E_CORE_PORT', 4101),
    content: envPort('E2E_CONTENT_PORT', 4102),
    social: envPort('E2E_SOCIAL_PORT', 4103),
    search: envPort('E2E_SEARCH_PORT', 4104),
    semantic: envPort('E2E_SEMANTIC_PORT', 4105),
    analytics: envPort('E2E_ANALYTICS_PORT', 4106),
  },
});

export const gatewayUrl = namespaceGatewayUrl(e2e);

export function subgraphUrl(name: SubgraphName, path = '/graphql'): string {
  return namespaceSubgraphUrl(e2e, name, path);
}
