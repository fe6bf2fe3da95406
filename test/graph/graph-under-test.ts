import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { e2e, graphEnv } from './namespace.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const logDir = join(repoRoot, '.data', 'logs', 'e2e');
const exitWithParent = pathToFileURL(join(import.meta.dirname, 'exit-with-parent.ts')).href;

export interface RunningGraph {
  processes: { name: string; child: ChildProcess }[];
  stop: () => Promise<void>;
}

/** Empties the e2e namespace in every store, so each run starts from the same state. */
export async function resetNamespace(): Promise<void> {
  const admin = new pg.Client({ connectionString: e2e.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS aetherial_e2e WITH (FORCE)');
    await admin.query('CREATE DATABASE aetherial_e2e');
  } finally {
    await admin.end();
  }
  const mongo = await MongoClient.connect(e2e.mongodbUrl);
  await mongo.db().dropDatabase();
  await mongo.close();
  const redis = new Redis(e2e.redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const search = new OpenSearch({ node: process.env.SEARCH_URL ?? 'http://127.0.0.1:9200' });
  await search.indices.delete({ index: `${e2e.searchAlias}*` }).catch(() => undefined);
  await search.close();
  const weaviate = process.env.WEAVIATE_URL ?? 'http://127.0.0.1:8080';
  await fetch(`${weaviate}/v1/schema/${e2e.semanticCollection}`, { method: 'DELETE' });
}

function tail(name: string): string {
  try {
    return readFileSync(join(logDir, `${name}.log`), 'utf8')
      .split('\n')
      .slice(-25)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(
  name: string,
  port: number,
  child: ChildProcess,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${tail(name)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
  }
  throw new Error(`${name} not ready on :${port} after ${timeoutMs} ms:\n${tail(name)}`);
}

function start(name: string, entry: string): { name: string; child: ChildProcess } {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`));
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', exitWithParent, entry], {
    cwd: repoRoot,
    env: { ...process.env, ...graphEnv() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return { name, child };
}

/** Starts the five subgraphs (in parallel) and then the gateway, each in its own process. */
export async function startGraph(): Promise<RunningGraph> {
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
    const subgraphs = Object.entries(e2e.ports).map(([name, port]) => ({
      port,
      ...start(name, `subgraphs/${name}/src/index.ts`),
    }));
    processes.push(...subgraphs);
    await Promise.all(subgraphs.map(({ name, port, child }) => waitReady(name, port, child)));
    const gateway = start('gateway', 'gateway/src/index.ts');
    processes.push(gateway);
    await waitReady('gateway', e2e.gatewayPort, gateway.child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { processes, stop };
}
