import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Redis } from 'ioredis';
import { MongoClient, type ObjectId } from 'mongodb';
import neo4j from 'neo4j-driver';
import pg from 'pg';
import { graphEnv, SUBGRAPHS, type GraphNamespace } from './namespace.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const exitWithParent = pathToFileURL(join(import.meta.dirname, 'exit-with-parent.ts')).href;
const logDir = (ns: GraphNamespace) => join(repoRoot, '.data', 'logs', ns.name);

export interface RunningGraph {
  processes: { name: string; child: ChildProcess }[];
  stop: () => Promise<void>;
}

/** A gateway process of the graph: its own name (and log), port and extra environment. */
export interface GatewaySpec {
  name: string;
  port: number;
  env?: Record<string, string>;
}

/** Ids of the users and posts the namespace holds, read from its own sources of truth (none if absent). */
async function ownedIds(ns: GraphNamespace): Promise<string[]> {
  const ids: string[] = [];
  const sql = new pg.Client({ connectionString: ns.databaseUrl });
  try {
    await sql.connect();
    ids.push(...(await sql.query<{ id: string }>('SELECT id FROM "User"')).rows.map((row) => row.id));
  } catch {
    // no database or no table yet: nothing of ours in Neo4j from core
  } finally {
    await sql.end().catch(() => undefined);
  }
  const mongo = await MongoClient.connect(ns.mongodbUrl);
  try {
    const posts = await mongo
      .db()
      .collection<{ _id: ObjectId }>('posts')
      .find({}, { projection: { _id: 1 } })
      .toArray();
    ids.push(...posts.map((post) => post._id.toHexString()));
  } finally {
    await mongo.close();
  }
  return ids;
}

/**
 * Removes the namespace's users and posts (with their follows and likes) from the shared Neo4j
 * database: only ids that live in the namespace's own databases, so nothing of the demo graph or of
 * another namespace is touched.
 */
async function removeOwnedNodes(ns: GraphNamespace): Promise<void> {
  const ids = await ownedIds(ns);
  if (ids.length === 0) return;
  const auth =
    process.env.NEO4J_USER && process.env.NEO4J_PASSWORD
      ? neo4j.auth.basic(process.env.NEO4J_USER, process.env.NEO4J_PASSWORD)
      : undefined;
  const driver = neo4j.driver(ns.neo4jUrl, auth);
  try {
    for (let start = 0; start < ids.length; start += 1000) {
      const batch = ids.slice(start, start + 1000);
      for (const label of ['User', 'Post']) {
        await driver.executeQuery(`UNWIND $ids AS id MATCH (n:${label} {id: id}) DETACH DELETE n`, {
          ids: batch,
        });
      }
    }
  } finally {
    await driver.close();
  }
}

/** Empties the namespace in every store, so each run starts from the same state. */
export async function resetNamespace(ns: GraphNamespace): Promise<void> {
  await removeOwnedNodes(ns);
  const admin = new pg.Client({ connectionString: ns.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${ns.database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${ns.database}`);
  } finally {
    await admin.end();
  }
  const mongo = await MongoClient.connect(ns.mongodbUrl);
  await mongo.db().dropDatabase();
  await mongo.close();
  const redis = new Redis(ns.redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const search = new OpenSearch({ node: ns.searchUrl });
  await search.indices.delete({ index: `${ns.searchAlias}*` }).catch(() => undefined);
  await search.close();
  await dropSemanticCollections(ns);
  await dropInfluxDatabase(ns);
}

/** Analytics keeps the namespace's points in an InfluxDB database named like its other databases. */
async function dropInfluxDatabase(ns: GraphNamespace): Promise<void> {
  const response = await fetch(new URL('/query', ns.influxdbUrl), {
    method: 'POST',
    body: new URLSearchParams({ q: `DROP DATABASE "${ns.database}"` }),
  });
  if (!response.ok) throw new Error(`could not drop InfluxDB database ${ns.database}: ${response.status}`);
}

/**
 * Semantic queries its collection through an alias (`PostE2e` → `PostE2e_<model>_v<time>`, switched by
 * reindex): drop the alias and every collection of the namespace (deleting the alias's name alone
 * leaves the collection, and its posts, behind).
 */
async function dropSemanticCollections(ns: GraphNamespace): Promise<void> {
  const name = ns.semanticCollection;
  await fetch(`${ns.weaviateUrl}/v1/aliases/${name}`, { method: 'DELETE' });
  const schema = (await (await fetch(`${ns.weaviateUrl}/v1/schema`)).json()) as {
    classes?: { class: string }[];
  };
  // `<name>_<model>_v<time>` (collections are named by the embedder's model) or legacy `<name>_v<time>`.
  const ours = new RegExp(`^${name}(_[a-z0-9_]+)?_v\\d+$|^${name}$`);
  for (const { class: collection } of schema.classes ?? []) {
    if (!ours.test(collection)) continue;
    const response = await fetch(`${ns.weaviateUrl}/v1/schema/${collection}`, { method: 'DELETE' });
    if (!response.ok) throw new Error(`could not drop Weaviate collection ${collection}: ${response.status}`);
  }
}

/** The last lines of a process's log in the namespace's log directory. */
export function logTail(ns: GraphNamespace, name: string, lines = 25): string {
  try {
    return readFileSync(join(logDir(ns), `${name}.log`), 'utf8')
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(
  ns: GraphNamespace,
  name: string,
  port: number,
  child: ChildProcess,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${logTail(ns, name)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
  }
  throw new Error(`${name} not ready on :${port} after ${timeoutMs} ms:\n${logTail(ns, name)}`);
}

function start(
  ns: GraphNamespace,
  name: string,
  entry: string,
  env: Record<string, string> = {},
): { name: string; child: ChildProcess } {
  mkdirSync(logDir(ns), { recursive: true });
  const log = createWriteStream(join(logDir(ns), `${name}.log`));
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', exitWithParent, entry], {
    cwd: repoRoot,
    env: { ...process.env, ...graphEnv(ns), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return { name, child };
}

/**
 * Starts the subgraphs (in parallel) and then the gateways (by default one, `gateway` on the
 * namespace's gateway port), each in its own process, logging to `.data/logs/<namespace>/<name>.log`.
 */
export async function startGraph(
  ns: GraphNamespace,
  options: { gateways?: GatewaySpec[] } = {},
): Promise<RunningGraph> {
  const gateways = options.gateways ?? [{ name: 'gateway', port: ns.gatewayPort }];
  const processes: RunningGraph['processes'] = [];
  const stop = async () => {
    await Promise.all(
      processes
        .filter(({ child }) => child.exitCode === null)
        .map(
          ({ child }) =>
            new Promise<void>((resolvePromise) => {
              child.once('exit', () => resolvePromise());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
            }),
        ),
    );
  };
  try {
    const subgraphs = SUBGRAPHS.map((name) => ({
      port: ns.ports[name],
      ...start(ns, name, `subgraphs/${name}/src/index.ts`),
    }));
    processes.push(...subgraphs);
    await Promise.all(subgraphs.map(({ name, port, child }) => waitReady(ns, name, port, child)));
    const started = gateways.map((gateway) => ({
      port: gateway.port,
      ...start(ns, gateway.name, 'gateway/src/index.ts', {
        GATEWAY_PORT: String(gateway.port),
        ...gateway.env,
      }),
    }));
    processes.push(...started);
    await Promise.all(started.map(({ name, port, child }) => waitReady(ns, name, port, child)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { processes, stop };
}
