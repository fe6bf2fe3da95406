/**
 * The whole-graph tests run their own copy of the graph beside the demo one: their own databases,
 * event stream, search alias and Weaviate collection, and their own ports. Neo4j (one database in
 * Community) is shared; every id the tests create is unique, so nothing they read is foreign.
 *
 * Ports and the event stream come from the environment that `claimRun()` (claim-run.ts) fills in:
 * global setup runs it before importing this module, and the test workers inherit it: a graph left running by an
 * interrupted earlier run, even from another clone, then neither holds our ports nor consumes our
 * events.
 */
const postgresBase = process.env.DATABASE_URL ?? 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial';
const mongoBase = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/aetherial';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function envPort(name: string, fallback: number): number {
  return Number(process.env[name] ?? fallback);
}

export const e2e = {
  databaseUrl: withDatabase(postgresBase, 'aetherial_e2e'),
  adminDatabaseUrl: postgresBase,
  mongodbUrl: withDatabase(mongoBase, 'aetherial_e2e'),
  // Its own Redis database: the e2e stream, consumer groups and response cache never meet the demo's.
  redisUrl: withDatabase(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', '3'),
  neo4jUrl: process.env.NEO4J_URL ?? 'bolt://127.0.0.1:7687',
  eventsStream: process.env.E2E_EVENTS_STREAM ?? 'aetherial:e2e:events',
  searchAlias: 'aetherial-e2e-search',
  semanticCollection: 'PostE2e',
  gatewayPort: envPort('E2E_GATEWAY_PORT', 4100),
  ports: {
    core: envPort('E2E_CORE_PORT', 4101),
    content: envPort('E2E_CONTENT_PORT', 4102),
    social: envPort('E2E_SOCIAL_PORT', 4103),
    search: envPort('E2E_SEARCH_PORT', 4104),
    semantic: envPort('E2E_SEMANTIC_PORT', 4105),
  },
  gatewaySecret: 'e2e-gateway-shared-secret',
  jwtSecret: 'e2e-jwt-secret-0123456789abcdef',
} as const;

export const gatewayUrl = `http://127.0.0.1:${e2e.gatewayPort}/graphql`;

export function subgraphUrl(name: keyof typeof e2e.ports, path = '/graphql'): string {
  return `http://127.0.0.1:${e2e.ports[name]}${path}`;
}

/** Environment every process of the graph under test gets. */
export function graphEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    DATABASE_URL: e2e.databaseUrl,
    CORE_DATABASE_URL: e2e.databaseUrl,
    MONGODB_URL: e2e.mongodbUrl,
    REDIS_URL: e2e.redisUrl,
    NEO4J_URL: e2e.neo4jUrl,
    EVENTS_STREAM: e2e.eventsStream,
    SEARCH_ALIAS: e2e.searchAlias,
    SEMANTIC_COLLECTION: e2e.semanticCollection,
    GATEWAY_SHARED_SECRET: e2e.gatewaySecret,
    JWT_SECRET: e2e.jwtSecret,
    CORE_PORT: String(e2e.ports.core),
    CONTENT_PORT: String(e2e.ports.content),
    SOCIAL_PORT: String(e2e.ports.social),
    SEARCH_PORT: String(e2e.ports.search),
    SEMANTIC_PORT: String(e2e.ports.semantic),
    SOCIAL_PROJECTOR_GROUP: 'e2e-social-projector',
    SEMANTIC_INDEXER_GROUP: 'e2e-semantic-indexer',
    GATEWAY_PORT: String(e2e.gatewayPort),
    GATEWAY_WORKERS: '1',
    CORE_SUBGRAPH_URL: subgraphUrl('core'),
    CONTENT_SUBGRAPH_URL: subgraphUrl('content'),
    SOCIAL_SUBGRAPH_URL: subgraphUrl('social'),
    SEARCH_SUBGRAPH_URL: subgraphUrl('search'),
    SEMANTIC_SUBGRAPH_URL: subgraphUrl('semantic'),
  };
}
