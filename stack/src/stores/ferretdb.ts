import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { formatDuration, requireGo, runWithProgress, serialGoBuild } from '../exec.js';
import type { StackContext, StoreDef } from '../store.js';
import { storeUrl, portOf } from '../url.js';
import { postgres } from './postgres.js';

/**
 * FerretDB v1 (MongoDB wire protocol) on PostgreSQL, built from `stack/go/ferretdb`: a tiny main of ours
 * that embeds `github.com/FerretDB/FerretDB/ferretdb`, because `go install .../cmd/ferretdb` builds a
 * binary that panics at start (FerretDB issue 2982). Its SQLite backend deadlocked here under a bulk
 * insert running beside the content outbox relay (a read of the collection then hung until restart),
 * so it stores its data in the stack's PostgreSQL, database `ferretdb` (FERRETDB_POSTGRESQL_URL).
 */
const version = '1.24.2';
const defaultPort = 27017;

/** FerretDB's own database in the stack's PostgreSQL (same server and role as DATABASE_URL). */
function backendUrl(): URL {
  if (process.env.FERRETDB_POSTGRESQL_URL) return new URL(process.env.FERRETDB_POSTGRESQL_URL);
  const url = storeUrl(postgres);
  url.pathname = '/ferretdb';
  // FerretDB runs the documents of one insertMany on parallel pool connections: a batch larger
  // than the pool (50 by default) deadlocks it. Writers keep batches at or under 200.
  url.searchParams.set('pool_max_conns', '200');
  return url;
}

const sourceDir = (ctx: StackContext) => join(ctx.root, 'stack', 'go', 'ferretdb');

/** The binary's directory is keyed by FerretDB's version and our sources, so an edit to them rebuilds. */
function binaryPath(ctx: StackContext): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'main.go']) hash.update(readFileSync(join(sourceDir(ctx), file)));
  return join(ctx.toolsDir, `ferretdb-${version}-${hash.digest('hex').slice(0, 12)}`, 'ferretdb');
}

export const ferretdb: StoreDef = {
  name: 'ferretdb',
  urlEnv: 'MONGODB_URL',
  defaultUrl: 'mongodb://127.0.0.1:27017/aetherial',
  ports: (url) => [portOf(url, defaultPort)],
  dependsOn: ['postgres'],
  readyTimeoutMs: 30_000,

  async install(ctx) {
    const binary = binaryPath(ctx);
    if (existsSync(binary)) return;
    const go = await requireGo();
    await serialGoBuild('ferretdb build', ctx.log, async () => {
      if (existsSync(binary)) return;
      const dir = join(binary, '..');
      mkdirSync(dir, { recursive: true });
      // Build beside the target and rename: an interrupted build never looks installed.
      const partial = `${binary}.partial-${process.pid}`;
      ctx.log(`building FerretDB ${version} with Go (a few minutes the first time) into ${dir}`);
      try {
        const { elapsedMs } = await runWithProgress(go, ['build', '-trimpath', '-v', '-o', partial, '.'], {
          cwd: sourceDir(ctx),
          env: { CGO_ENABLED: '0' },
          log: ctx.log,
          label: 'ferretdb build',
        });
        renameSync(partial, binary);
        ctx.log(`FerretDB built in ${formatDuration(elapsedMs)}`);
      } finally {
        rmSync(partial, { force: true });
      }
    });
  },

  async init() {
    const backend = backendUrl();
    const database = backend.pathname.replace(/^\//, '');
    const admin = new pg.Client({ connectionString: storeUrl(postgres).toString() });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    } finally {
      await admin.end();
    }
  },

  async process(ctx, url) {
    return {
      command: binaryPath(ctx),
      args: [
        '-listen-addr',
        `127.0.0.1:${portOf(url, defaultPort)}`,
        '-handler',
        'postgresql',
        '-postgresql-url',
        backendUrl().toString(),
      ],
    };
  },

  async probe(url) {
    const client = new MongoClient(url.toString(), {
      serverSelectionTimeoutMS: 2000,
      connectTimeoutMS: 2000,
      socketTimeoutMS: 5000,
    });
    try {
      await client.connect();
      await client.db().admin().ping();
    } finally {
      await client.close().catch(() => undefined);
    }
  },
};
