import pg from 'pg';

/**
 * The schema registry's tables in PostgreSQL (schema `schema_registry`): every published version
 * of every subgraph (append-only: a rollback publishes an older SDL again), every supergraph
 * composed from them, and the field usage the gateway recorded, bucketed by hour.
 */
const DDL = `
CREATE SCHEMA IF NOT EXISTS schema_registry;
CREATE TABLE IF NOT EXISTS schema_registry.subgraph_version (
  id bigserial PRIMARY KEY,
  subgraph text NOT NULL,
  sdl text NOT NULL,
  routing_url text NOT NULL,
  action text NOT NULL CHECK (action IN ('publish', 'force-publish', 'rollback')),
  published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS subgraph_version_by_name ON schema_registry.subgraph_version (subgraph, id DESC);
CREATE TABLE IF NOT EXISTS schema_registry.supergraph_version (
  id bigserial PRIMARY KEY,
  sdl text NOT NULL,
  subgraph_versions jsonb NOT NULL,
  composed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS schema_registry.field_usage (
  coordinate text NOT NULL,
  client_name text NOT NULL,
  client_version text NOT NULL,
  operation_name text NOT NULL,
  operation_hash text NOT NULL,
  hour timestamptz NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (coordinate, client_name, client_version, operation_hash, hour)
);
CREATE INDEX IF NOT EXISTS field_usage_by_hour ON schema_registry.field_usage (hour);
`;

export interface SubgraphVersion {
  id: number;
  subgraph: string;
  sdl: string;
  routingUrl: string;
  action: 'publish' | 'force-publish' | 'rollback';
  publishedAt: Date;
}

export interface SupergraphVersion {
  id: number;
  sdl: string;
  subgraphVersions: Record<string, number>;
  composedAt: Date;
}

/** One recorded use of a schema coordinate (`Type.field` or `Type.field.argument`). */
export interface FieldUse {
  coordinate: string;
  clientName: string;
  clientVersion: string;
  operationName: string;
  operationHash: string;
  count: number;
}

export interface OperationUsage {
  operationName: string;
  operationHash: string;
  clientName: string;
  clientVersion: string;
  count: number;
}

interface SubgraphRow {
  id: string;
  subgraph: string;
  sdl: string;
  routing_url: string;
  action: SubgraphVersion['action'];
  published_at: Date;
}

const toSubgraphVersion = (row: SubgraphRow): SubgraphVersion => ({
  id: Number(row.id),
  subgraph: row.subgraph,
  sdl: row.sdl,
  routingUrl: row.routing_url,
  action: row.action,
  publishedAt: row.published_at,
});

export class RegistryStore {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and creates the registry's tables if they are missing (idempotent). */
  static async connect(databaseUrl: string): Promise<RegistryStore> {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // Two processes creating the schema at once would race on CREATE … IF NOT EXISTS.
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock(hashtext('schema_registry'))");
      await client.query(DDL);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('schema_registry'))").catch(() => undefined);
      client.release();
    }
    return new RegistryStore(pool);
  }

  /** The latest version of every subgraph. */
  async currentSubgraphs(): Promise<SubgraphVersion[]> {
    const { rows } = await this.pool.query<SubgraphRow>(
      `SELECT DISTINCT ON (subgraph) * FROM schema_registry.subgraph_version ORDER BY subgraph, id DESC`,
    );
    return rows.map(toSubgraphVersion);
  }

  async history(subgraph?: string, limit = 50): Promise<SubgraphVersion[]> {
    const { rows } = await this.pool.query<SubgraphRow>(
      `SELECT * FROM schema_registry.subgraph_version WHERE $1::text IS NULL OR subgraph = $1
       ORDER BY id DESC LIMIT $2`,
      [subgraph ?? null, limit],
    );
    return rows.map(toSubgraphVersion);
  }

  async subgraphVersion(id: number): Promise<SubgraphVersion | undefined> {
    const { rows } = await this.pool.query<SubgraphRow>(
      `SELECT * FROM schema_registry.subgraph_version WHERE id = $1`,
      [id],
    );
    return rows[0] && toSubgraphVersion(rows[0]);
  }

  /**
   * Records a subgraph version and the supergraph composed with it in one transaction, so the
   * gateway never sees a supergraph without the versions it was built from, or the reverse.
   */
  async publish(
    version: Pick<SubgraphVersion, 'subgraph' | 'sdl' | 'routingUrl' | 'action'>,
    supergraph: { sdl: string; subgraphVersions: Record<string, number> },
  ): Promise<{ subgraphVersion: number; supergraphVersion: number }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO schema_registry.subgraph_version (subgraph, sdl, routing_url, action)
         VALUES ($1, $2, $3, $4) RETURNING id`,
        [version.subgraph, version.sdl, version.routingUrl, version.action],
      );
      const subgraphVersion = Number(inserted.rows[0]!.id);
      const composed = await client.query<{ id: string }>(
        `INSERT INTO schema_registry.supergraph_version (sdl, subgraph_versions) VALUES ($1, $2) RETURNING id`,
        [
          supergraph.sdl,
          JSON.stringify({ ...supergraph.subgraphVersions, [version.subgraph]: subgraphVersion }),
        ],
      );
      await client.query('COMMIT');
      return { subgraphVersion, supergraphVersion: Number(composed.rows[0]!.id) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async latestSupergraph(): Promise<SupergraphVersion | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      sdl: string;
      subgraph_versions: Record<string, number>;
      composed_at: Date;
    }>(`SELECT * FROM schema_registry.supergraph_version ORDER BY id DESC LIMIT 1`);
    const row = rows[0];
    return (
      row && {
        id: Number(row.id),
        sdl: row.sdl,
        subgraphVersions: row.subgraph_versions,
        composedAt: row.composed_at,
      }
    );
  }

  /** Adds counts to the current hour's buckets: one statement for a whole batch. */
  async recordUsage(uses: FieldUse[], at = new Date()): Promise<void> {
    if (uses.length === 0) return;
    await this.pool.query(
      `INSERT INTO schema_registry.field_usage
         (coordinate, client_name, client_version, operation_name, operation_hash, hour, count)
       SELECT u.coordinate, u.client_name, u.client_version, u.operation_name, u.operation_hash,
              date_trunc('hour', $2::timestamptz), u.count
       FROM jsonb_to_recordset($1::jsonb) AS u(coordinate text, client_name text, client_version text,
            operation_name text, operation_hash text, count bigint)
       ON CONFLICT (coordinate, client_name, client_version, operation_hash, hour)
       DO UPDATE SET count = schema_registry.field_usage.count + EXCLUDED.count`,
      [
        JSON.stringify(
          uses.map((use) => ({
            coordinate: use.coordinate,
            client_name: use.clientName,
            client_version: use.clientVersion,
            operation_name: use.operationName,
            operation_hash: use.operationHash,
            count: use.count,
          })),
        ),
        at.toISOString(),
      ],
    );
  }

  /**
   * Operations that used `coordinate` (or anything under it: a type's fields, a field's
   * arguments) since `since`, with their request counts, most used first.
   */
  async operationsUsing(coordinate: string, since: Date): Promise<OperationUsage[]> {
    const { rows } = await this.pool.query<{
      operation_name: string;
      operation_hash: string;
      client_name: string;
      client_version: string;
      count: string;
    }>(
      `SELECT operation_name, operation_hash, client_name, client_version, sum(count) AS count
       FROM schema_registry.field_usage
       WHERE (coordinate = $1 OR starts_with(coordinate, $1 || '.')) AND hour >= date_trunc('hour', $2::timestamptz)
       GROUP BY operation_name, operation_hash, client_name, client_version
       ORDER BY sum(count) DESC LIMIT 20`,
      [coordinate, since.toISOString()],
    );
    return rows.map((row) => ({
      operationName: row.operation_name,
      operationHash: row.operation_hash,
      clientName: row.client_name,
      clientVersion: row.client_version,
      count: Number(row.count),
    }));
  }

  /** Retention: drops usage buckets older than `before`. */
  async pruneUsage(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM schema_registry.field_usage WHERE hour < $1`, [
      before.toISOString(),
    ]);
    return rowCount ?? 0;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
