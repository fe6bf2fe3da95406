import type { StoreRequestCounter } from '@aetherial/subgraph-kit';
import neo4j, { type Driver, type EagerResult, type RecordShape } from 'neo4j-driver';
import type { SocialConfig } from './config.js';

export type { Driver };

export function createDriver(
  config: Pick<SocialConfig, 'NEO4J_URL' | 'NEO4J_USER' | 'NEO4J_PASSWORD'>,
): Driver {
  const auth =
    config.NEO4J_USER !== undefined && config.NEO4J_PASSWORD !== undefined
      ? neo4j.auth.basic(config.NEO4J_USER, config.NEO4J_PASSWORD)
      : undefined;
  return neo4j.driver(config.NEO4J_URL, auth, {
    // Counts and versions are far below 2^53: plain numbers instead of neo4j Integer objects.
    disableLosslessIntegers: true,
    connectionAcquisitionTimeout: 10_000,
    maxConnectionPoolSize: 50,
  });
}

/** Cypher parameters; whole numbers must go through `int()` or Neo4j stores them as floats. */
export type Params = Record<string, unknown>;

export const int = (value: number) => neo4j.int(value);

/**
 * The one door to Neo4j: every query is one auto-committed, retried transaction
 * (`executeQuery`), so one call is one round trip. The driver has no hook of its own to count
 * them, so `requests` (`store_requests_total{store="neo4j"}`) is counted here: once per query
 * and once per connectivity check (a RESET). Retries the driver makes itself after a transient
 * failure are not seen.
 */
export class Graph {
  constructor(
    readonly driver: Driver,
    private readonly database?: string,
    private readonly requests?: StoreRequestCounter,
  ) {}

  async read<Row extends RecordShape>(cypher: string, params: Params = {}): Promise<Row[]> {
    this.requests?.inc();
    const result = await this.driver.executeQuery<EagerResult<Row>>(cypher, params, {
      routing: neo4j.routing.READ,
      ...(this.database ? { database: this.database } : {}),
    });
    return result.records.map((record) => record.toObject());
  }

  async write<Row extends RecordShape>(cypher: string, params: Params = {}): Promise<Row[]> {
    this.requests?.inc();
    const result = await this.driver.executeQuery<EagerResult<Row>>(cypher, params, {
      routing: neo4j.routing.WRITE,
      ...(this.database ? { database: this.database } : {}),
    });
    return result.records.map((record) => record.toObject());
  }

  ping(): Promise<void> {
    this.requests?.inc();
    return this.driver.verifyConnectivity(this.database ? { database: this.database } : {});
  }
}

const schemaStatements = [
  'CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE',
  'CREATE CONSTRAINT post_id IF NOT EXISTS FOR (p:Post) REQUIRE p.id IS UNIQUE',
  'CREATE INDEX post_created_at IF NOT EXISTS FOR (p:Post) ON (p.createdAt)',
  // The tombstone purge's range (only tombstones have the property).
  'CREATE INDEX post_removed_at IF NOT EXISTS FOR (p:Post) ON (p.removedAt)',
  'CREATE INDEX outbox_stream_sequence IF NOT EXISTS FOR (e:OutboxEvent) ON (e.stream, e.sequence)',
  'CREATE INDEX outbox_event_id IF NOT EXISTS FOR (e:OutboxEvent) ON (e.eventId)',
];

/** Constraints and indexes; safe to run on every start (IF NOT EXISTS). */
export async function ensureSchema(graph: Graph): Promise<void> {
  // Schema commands cannot share a transaction with each other, hence one call each.
  for (const statement of schemaStatements) await graph.write(statement);
  await graph.write('CALL db.awaitIndexes(60)');
}
