/**
 * A namespace is one copy of the whole graph beside the demo one, with its own PostgreSQL and
 * MongoDB databases, Redis database (event stream, consumer groups, response cache), search alias,
 * Weaviate collection and ports, so the whole-graph tests (`e2e`) and the graph benchmark (`bench`)
 * never touch the demo data or each other. Neo4j (one database in Community) is shared: the nodes a
 * namespace owns are those whose ids live in its PostgreSQL and MongoDB databases
 * (graph-under-test.ts removes exactly those when it resets the namespace).
 */
import { freePort } from '@aetherial/subgraph-kit';

export const SUBGRAPHS = ['core', 'content', 'social', 'search', 'semantic', 'analytics'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

export interface GraphNamespace {
  name: string;
  /** The PostgreSQL and MongoDB database name, e.g. `aetherial_e2e`. */
  database: string;
  databaseUrl: string;
  /** The PostgreSQL server's own database, to drop and create `database` from. */
  adminDatabaseUrl: string;
  mongodbUrl: string;
  redisUrl: string;
  neo4jUrl: string;
  searchUrl: string;
  weaviateUrl: string;
  influxdbUrl: string;
  eventsStream: string;
  searchAlias: string;
  semanticCollection: string;
  /** The read models' consumer groups on `eventsStream`. */
  groups: { search: string; semantic: string; social: string; analytics: string };
  gatewayPort: number;
  ports: Record<SubgraphName, number>;
  gatewaySecret: string;
  jwtSecret: string;
}

export interface NamespaceSpec {
  /** Lower-case letters and digits: the suffix of every name, e.g. `e2e` → `aetherial_e2e`. */
  name: string;
  /** The Redis database number of this namespace (the demo uses 0). */
  redisDatabase: number;
  gatewayPort: number;
  ports: Record<SubgraphName, number>;
  /** Default `aetherial:<name>:events`. */
  eventsStream?: string;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The namespace's names and URLs on the stores the environment points at (the stack's by default). */
export function defineNamespace(spec: NamespaceSpec): GraphNamespace {
  if (!/^[a-z][a-z0-9]*$/.test(spec.name)) throw new Error(`bad namespace name "${spec.name}"`);
  const postgresBase =
    process.env.DATABASE_URL ?? 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial';
  const mongoBase = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/aetherial';
  const database = `aetherial_${spec.name}`;
  const capitalised = spec.name.charAt(0).toUpperCase() + spec.name.slice(1);
  return {
    name: spec.name,
    database,
    databaseUrl: withDatabase(postgresBase, database),
    adminDatabaseUrl: postgresBase,
    mongodbUrl: withDatabase(mongoBase, database),
    redisUrl: withDatabase(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', String(spec.redisDatabase)),
    neo4jUrl: process.env.NEO4J_URL ?? 'bolt://127.0.0.1:7687',
    searchUrl: process.env.SEARCH_URL ?? 'http://127.0.0.1:9200',
    weaviateUrl: process.env.WEAVIATE_URL ?? 'http://127.0.0.1:8080',
    influxdbUrl: process.env.INFLUXDB_URL ?? 'http://127.0.0.1:8086',
    eventsStream: spec.eventsStream ?? `aetherial:${spec.name}:events`,
    searchAlias: `aetherial-${spec.name}-search`,
    semanticCollection: `Post${capitalised}`,
    // The search indexer's group name is fixed; the namespace's own Redis database keeps it apart.
    groups: {
      search: 'search-indexer',
      semantic: `${spec.name}-semantic-indexer`,
      social: `${spec.name}-social-projector`,
      analytics: `${spec.name}-analytics-recorder`,
    },
    gatewayPort: spec.gatewayPort,
    ports: spec.ports,
    gatewaySecret: `${spec.name}-gateway-shared-secret`,
    jwtSecret: `${spec.name}-jwt-secret-0123456789abcdef`,
  };
}

export function gatewayUrl(ns: GraphNamespace, port = ns.gatewayPort): string {
  return `http://127.0.0.1:${port}/graphql`;
}

export function subgraphUrl(ns: GraphNamespace, name: SubgraphName, path = '/graphql'): string {
  return `http://127.0.0.1:${ns.ports[name]}${path}`;
}

/** Environment every process of the namespace's graph gets. */
/**
 * The whole-graph tests and benchmarks send thousands of requests from one address and sign up
 * many users: budgets far above what they send, so the limits are still consulted on every request
 * (their cost is measured) but never refuse one. The limits themselves are tested in gateway/test.
 */
export const generousRateLimits: Record<string, string> = {
  GATEWAY_RATE_LIMIT_PER_IP: '100000000',
  GATEWAY_RATE_LIMIT_PER_VIEWER: '100000000',
  GATEWAY_RATE_LIMIT_AUTH_PER_IP: '1000000',
  GATEWAY_RATE_LIMIT_AUTH_PER_ACCOUNT: '1000000',
};

export function graphEnv(ns: GraphNamespace): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    DATABASE_URL: ns.databaseUrl,
    CORE_DATABASE_URL: ns.databaseUrl,
    MONGODB_URL: ns.mongodbUrl,
    REDIS_URL: ns.redisUrl,
    NEO4J_URL: ns.neo4jUrl,
    SEARCH_URL: ns.searchUrl,
    WEAVIATE_URL: ns.weaviateUrl,
    INFLUXDB_URL: ns.influxdbUrl,
    // The InfluxDB database of the namespace is named like its PostgreSQL and MongoDB ones.
    INFLUXDB_DATABASE: ns.database,
    EVENTS_STREAM: ns.eventsStream,
    SEARCH_ALIAS: ns.searchAlias,
    SEMANTIC_COLLECTION: ns.semanticCollection,
    GATEWAY_SHARED_SECRET: ns.gatewaySecret,
    JWT_SECRET: ns.jwtSecret,
    CORE_PORT: String(ns.ports.core),
    CONTENT_PORT: String(ns.ports.content),
    SOCIAL_PORT: String(ns.ports.social),
    SEARCH_PORT: String(ns.ports.search),
    SEMANTIC_PORT: String(ns.ports.semantic),
    ANALYTICS_PORT: String(ns.ports.analytics),
    SOCIAL_PROJECTOR_GROUP: ns.groups.social,
    SEMANTIC_INDEXER_GROUP: ns.groups.semantic,
    ANALYTICS_RECORDER_GROUP: ns.groups.analytics,
    GATEWAY_PORT: String(ns.gatewayPort),
    GATEWAY_WORKERS: '1',
    ...generousRateLimits,
    CORE_SUBGRAPH_URL: subgraphUrl(ns, 'core'),
    CONTENT_SUBGRAPH_URL: subgraphUrl(ns, 'content'),
    SOCIAL_SUBGRAPH_URL: subgraphUrl(ns, 'social'),
    SEARCH_SUBGRAPH_URL: subgraphUrl(ns, 'search'),
    SEMANTIC_SUBGRAPH_URL: subgraphUrl(ns, 'semantic'),
    ANALYTICS_SUBGRAPH_URL: subgraphUrl(ns, 'analytics'),
  };
}

/** Free ports for a gateway and the subgraphs. */
export async function freePorts(): Promise<{ gatewayPort: number; ports: Record<SubgraphName, number> }> {
  const taken = new Set<number>();
  const next = async () => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  const gatewayPort = await next();
  const ports = {} as Record<SubgraphName, number>;
  for (const name of SUBGRAPHS) ports[name] = await next();
  return { gatewayPort, ports };
}
