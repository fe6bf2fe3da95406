/**
 * A fresh clone starts: `git clone` of this checkout's HEAD into a temporary directory, `npm ci`,
 * then `npm start` there (no earlier `npm test`, no generated code, no build), in a namespace of
 * its own (databases, Redis database, stream, index, collection, ports), until it prints the
 * gateway URL; a query that crosses subgraphs answers; Ctrl-C (SIGINT) stops every process it
 * started. Needs the stores up (`npm run stack -- up`, which `npm test` runs first): the clone's
 * stack then uses them as they are.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetNamespace } from '../graph/graph-under-test.js';
import { defineNamespace, freePorts, graphEnv, type GraphNamespace } from '../graph/namespace.js';
import { launch, postGraphQL, stop, stopAll, tail, waitForOutput, type Launched } from './processes.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const seconds = (since: number) => Number(((Date.now() - since) / 1000).toFixed(1));
const timings: Record<string, number> = {};

function listening(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

let ns: GraphNamespace;
let cloneDir: string;
let graph: Launched;
let gatewayUrl: string;

beforeAll(async () => {
  const { gatewayPort, ports } = await freePorts();
  ns = defineNamespace({ name: 'fresh', redisDatabase: 8, gatewayPort, ports });
  await resetNamespace(ns);
  cloneDir = mkdtempSync(join(tmpdir(), 'aetherial-fresh-clone-'));
  const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })).stdout.trim();

  let started = Date.now();
  await run('git', ['clone', '--quiet', '--no-checkout', repoRoot, cloneDir]);
  await run('git', ['checkout', '--quiet', '--detach', head], { cwd: cloneDir });
  timings.cloneSeconds = seconds(started);

  started = Date.now();
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: cloneDir,
    maxBuffer: 64 * 1024 * 1024,
  });
  timings.installSeconds = seconds(started);

  started = Date.now();
  graph = launch('npm start', 'npm', ['start'], {
    cwd: cloneDir,
    // What a new user's shell has, plus the namespace: nothing of this test runner's environment.
    env: {
      PATH: process.env.PATH,
      // turbo's strict environment may not pass HOME on: npm finds its warm cache through it.
      HOME: homedir(),
      ...graphEnv(ns),
      NODE_ENV: 'development',
      AETHERIAL_SEED_SCALE: '0.02',
    },
  });
  const printed = await waitForOutput(graph, /Gateway:\s+(http:\/\/\S+)/, 900_000);
  gatewayUrl = printed[1]!;
  timings.startSeconds = seconds(started);
}, 1_800_000);

afterAll(async () => {
  await stopAll();
  console.log(`fresh clone timings: ${JSON.stringify(timings)}`);
  // Deleting the clone's node_modules took 336 s on the shared build machine's disk: a detached
  // `rm` finishes it after the run instead of holding the suite (no process of the graph is left).
  if (cloneDir) spawn('rm', ['-rf', cloneDir], { detached: true, stdio: 'ignore' }).unref();
  const started = Date.now();
  if (!ns) return;
  await resetNamespace(ns);
  const admin = new pg.Client({ connectionString: ns.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${ns.database} WITH (FORCE)`);
  await admin.end();
  console.log(`reset the namespace in ${seconds(started)}s`);
}, 600_000);

describe('a fresh clone: npm ci && npm start', () => {
  it('prints the gateway URL on the namespace port', () => {
    expect(gatewayUrl).toBe(`http://127.0.0.1:${ns.gatewayPort}/graphql`);
  });

  it('answers a query that crosses core and content with the seeded graph', async () => {
    const answer = await postGraphQL<{
      users: { edges: { node: { handle: string; posts: { edges: { node: { title: string } }[] } } }[] };
    }>(
      gatewayUrl,
      '{ users(first: 3) { edges { node { handle posts(first: 1) { edges { node { title } } } } } } }',
    );
    expect(answer.errors, tail(graph)).toBeUndefined();
    expect(answer.data?.users.edges.length).toBe(3);
    expect(answer.data?.users.edges.some((edge) => edge.node.posts.edges.length > 0)).toBe(true);
  });

  it('stops every process it started on SIGINT', async () => {
    const started = Date.now();
    const stopped = await stop(graph, 'SIGINT', 30_000);
    timings.stopSeconds = seconds(started);
    expect(stopped.killed, tail(graph)).toBe(false);
    for (const port of [ns.gatewayPort, ...Object.values(ns.ports)])
      expect(await listening(port)).toBe(false);
  });
});
