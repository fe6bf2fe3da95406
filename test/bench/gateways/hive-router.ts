/**
 * Hive Router (the Guild's Rust federation router) as a benchmark peer. It is built from crates.io
 * with this machine's Rust and cached in the stack's tools directory (shared by every checkout,
 * never committed), like the stack's Weaviate build; the bench skips its variants while it is absent.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolsDir } from '../../../stack/src/context.js';
import { formatDuration, runWithProgress } from '../../../stack/src/exec.js';

/** Newer releases need a newer rustc than this machine's 1.95. */
export const HIVE_ROUTER_VERSION = '0.2.19';

const installRoot = join(toolsDir, `hive-router-${HIVE_ROUTER_VERSION}`);

/** Where `cargo install --root` puts the router binary. */
export const hiveRouterBinary = join(installRoot, 'bin', 'hive_router');

/** `graphiql` skips a build step that fetches an npm package the registry here does not serve. */
const cargoArgs = (root: string) => [
  'install',
  'hive-router',
  '--version',
  HIVE_ROUTER_VERSION,
  '--locked',
  '--features',
  'graphiql',
  '--root',
  root,
];

export const HIVE_ROUTER_BUILD_HINT =
  `Hive Router ${HIVE_ROUTER_VERSION} is not built (${hiveRouterBinary} is missing); build it once with ` +
  '`npm run bench -- --build-peers` (cargo install from crates.io, about 15 minutes on 2 cores)';

export function hiveRouterBuilt(): boolean {
  return existsSync(hiveRouterBinary);
}

/**
 * `cargo install` into a private root, renamed into place only when the build succeeded, so an
 * interrupted build never leaves a binary that looks finished.
 */
export async function buildHiveRouter(log: (message: string) => void): Promise<void> {
  if (hiveRouterBuilt()) {
    log(`Hive Router ${HIVE_ROUTER_VERSION} already built: ${hiveRouterBinary}`);
    return;
  }
  mkdirSync(toolsDir, { recursive: true });
  const staging = join(toolsDir, `.hive-router-${HIVE_ROUTER_VERSION}-build-${process.pid}`);
  log(
    `building Hive Router ${HIVE_ROUTER_VERSION} with cargo into ${installRoot}: ` +
      'about 15 minutes on 2 cores, longer on a busy machine',
  );
  try {
    const { elapsedMs } = await runWithProgress('cargo', cargoArgs(staging), {
      log,
      label: 'hive-router build',
    });
    if (!existsSync(join(staging, 'bin', 'hive_router')))
      throw new Error(`cargo install finished but left no bin/hive_router in ${staging}`);
    rmSync(installRoot, { recursive: true, force: true });
    renameSync(staging, installRoot);
    log(`Hive Router built in ${formatDuration(elapsedMs)}: ${hiveRouterBinary}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The router's config file (`ROUTER_CONFIG_FILE_PATH`): the fixture supergraph from a file,
 * loopback, and `http.workers` HTTP worker threads (its default is one per physical core).
 * Everything else stays at its defaults. JSON is valid YAML, so no YAML writer is needed.
 */
export function writeHiveRouterConfig(
  workDir: string,
  options: { supergraphPath: string; port: number; workers: number },
): string {
  const path = join(workDir, `hive-router-${options.port}.yaml`);
  const config = {
    supergraph: { source: 'file', path: options.supergraphPath },
    http: { host: '127.0.0.1', port: options.port, workers: options.workers },
  };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/** Environment overrides the router reads, which would win over the config file. */
export const HIVE_ROUTER_OVERRIDE_ENV = [
  'PORT',
  'HOST',
  'ROUTER_HTTP_WORKERS',
  'SUPERGRAPH_FILE_PATH',
  'HIVE_CDN_ENDPOINT',
  'HIVE_CDN_KEY',
  'HIVE_ACCESS_TOKEN',
  'HIVE_TARGET',
  'APOLLO_KEY',
  'APOLLO_GRAPH_REF',
] as const;
