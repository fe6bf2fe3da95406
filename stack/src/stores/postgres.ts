import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensureDebianPackage } from '../apt.js';
import type { StackContext, StoreDef } from '../store.js';
import { isExternal, portOf } from '../url.js';

const run = promisify(execFile);
const binDir = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const systemUser = 'postgres';

const socketDir = (ctx: StackContext) => join(ctx.storeDir, 'socket');
const clusterDir = (ctx: StackContext) => join(ctx.storeDir, 'cluster');

async function ownedByPostgres(path: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const uid = Number((await run('id', ['-u', systemUser])).stdout.trim());
  const gid = Number((await run('id', ['-g', systemUser])).stdout.trim());
  chownSync(path, uid, gid);
}

/** The superuser connection over the unix socket; TCP users need passwords, the local superuser does not. */
function superuserClient(ctx: StackContext, url: URL): pg.Client {
  return new pg.Client({
    host: socketDir(ctx),
    port: portOf(url, 5432),
    user: 'postgres',
    database: 'postgres',
  });
}

export const postgres: StoreDef = {
  name: 'postgres',
  urlEnv: 'DATABASE_URL',
  defaultUrl: 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial',
  ports: (url) => [portOf(url, 5432)],
  stopSignal: 'SIGINT',
  readyTimeoutMs: 60_000,

  async install(ctx) {
    await ensureDebianPackage(join(binDir, 'postgres'), ['postgresql-15', 'postgresql-contrib'], ctx.log);
  },

  async init(ctx) {
    if (existsSync(join(clusterDir(ctx), 'PG_VERSION'))) return;
    mkdirSync(clusterDir(ctx), { recursive: true });
    mkdirSync(socketDir(ctx), { recursive: true });
    await ownedByPostgres(ctx.storeDir);
    await ownedByPostgres(clusterDir(ctx));
    await ownedByPostgres(socketDir(ctx));
    ctx.log('initdb');
    const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', systemUser, '--'] : [];
    const [cmd, ...args] = [
      ...asPostgres,
      join(binDir, 'initdb'),
      '-D',
      clusterDir(ctx),
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ];
    await run(cmd!, args);
  },

  async process(ctx, url) {
    return {
      command: join(binDir, 'postgres'),
      args: [
        '-D',
        clusterDir(ctx),
        '-p',
        String(portOf(url, 5432)),
        '-k',
        socketDir(ctx),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'shared_buffers=128MB',
        '-c',
        'max_connections=300',
        // A dev stack: losing the last few ms of commits on an OS crash is fine, slow tests are not.
        '-c',
        'synchronous_commit=off',
      ],
      user: process.getuid?.() === 0 ? systemUser : undefined,
    };
  },

  async probe(url, ctx) {
    // Before afterReady creates the app role only the local superuser can log in, over the socket.
    // A cluster not started by the stack (external, another clone's, docker compose) is probed over
    // TCP with the app role; a socket file left by a killed cluster of ours must not hide it.
    const ownSocket = !isExternal(url) && existsSync(join(socketDir(ctx), `.s.PGSQL.${portOf(url, 5432)}`));
    const attempts = [
      ...(ownSocket ? [() => superuserClient(ctx, url)] : []),
      () => new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2000 }),
    ];
    let lastError: unknown;
    for (const connect of attempts) {
      const client = connect();
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        lastError = error;
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    throw lastError;
  },

  async afterReady(ctx, url) {
    const user = decodeURIComponent(url.username || 'aetherial');
    const password = decodeURIComponent(url.password || 'aetherial');
    const database = url.pathname.replace(/^\//, '') || 'aetherial';
    const client = superuserClient(ctx, url);
    await client.connect();
    try {
      const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
      const quotedUser = client.escapeIdentifier(user);
      const quotedPassword = client.escapeLiteral(password);
      if (role.rowCount === 0) {
        ctx.log(`creating role ${user}`);
        await client.query(`CREATE ROLE ${quotedUser} LOGIN CREATEDB PASSWORD ${quotedPassword}`);
      }
      const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (db.rowCount === 0) {
        ctx.log(`creating database ${database}`);
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${quotedUser}`);
      }
    } finally {
      await client.end();
    }
  },
};
