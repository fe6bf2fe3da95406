import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, formatDuration, requireGo, runWithProgress, serialGoBuild } from '../exec.js';
import type { StackContext, StoreDef } from '../store.js';
import { portOf } from '../url.js';

/**
 * InfluxDB 1.13 (open source), built from the Go module proxy and run on loopback. Its Flux engine
 * links libflux, a Rust library shipped as source inside the flux Go module: InfluxData's own
 * `pkg-config` wrapper (a Go module too) builds it with cargo when cgo asks for `flux`, the way
 * InfluxData's Makefile builds influxd. Without cgo the build stops at `undefined: libflux.Options`.
 * Debian's `influxdb` package is 1.6.7: it has no v2-compatible API (1.8+), which the official
 * JavaScript client `@influxdata/influxdb-client` speaks, so it is not used.
 */
const version = '1.13.2';
const pkgConfigVersion = '0.3.0';
const defaultPort = 8086;

/** The backup/restore RPC service; bound to loopback next to the HTTP API. */
const rpcPort = (): number => Number(process.env.INFLUXDB_RPC_PORT ?? 8088);

const toolDir = (ctx: StackContext) => join(ctx.toolsDir, `influxdb-${version}`);
const binaryPath = (ctx: StackContext) => process.env.INFLUXD_BIN ?? join(toolDir(ctx), 'influxd');

const cargoHelp =
  'InfluxDB’s Flux engine (libflux) is Rust: cargo and a C compiler are needed for the first build ' +
  '(rustup or apt-get install -y cargo gcc), or set INFLUXD_BIN to an influxd 1.8+ you have';

async function requireCargo(): Promise<void> {
  try {
    await capture(process.env.CARGO ?? 'cargo', ['--version']);
  } catch (error) {
    throw new Error(`${cargoHelp}; \`cargo --version\` failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The configuration influxd reads (`-config`): everything under the store's directory, all on 127.0.0.1. */
function configFile(ctx: StackContext, url: URL): string {
  const dir = (name: string) => JSON.stringify(join(ctx.storeDir, name));
  return `# Written by the stack at every start (npm run stack -- up influxdb); edits are overwritten.
reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort()}"

[meta]
  dir = ${dir('meta')}
  logging-enabled = false

[data]
  dir = ${dir('data')}
  wal-dir = ${dir('wal')}
  # The disk-based index: series cardinality (one series per post and metric) is not held in RAM.
  index-version = "tsi1"
  query-log-enabled = false
  cache-max-memory-size = "256m"

[coordinator]
  # A query over a huge range is refused by the server too, whatever the subgraph checked.
  max-select-point = 0
  max-select-series = 0
  max-select-buckets = 100000
  query-timeout = "30s"

[retention]
  enabled = true
  check-interval = "30m"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${portOf(url, defaultPort)}"
  auth-enabled = false
  log-enabled = false
  # The v2-compatible API (/api/v2/write, /api/v2/query) is what @influxdata/influxdb-client speaks.
  flux-enabled = true
  flux-log-enabled = false
  pprof-enabled = false

[continuous_queries]
  enabled = true
  log-enabled = false
  # How often InfluxDB checks whether a continuous query is due (each has its own RESAMPLE EVERY).
  run-interval = "1s"

[subscriber]
  enabled = false
`;
}

export const influxdb: StoreDef = {
  name: 'influxdb',
  urlEnv: 'INFLUXDB_URL',
  defaultUrl: 'http://127.0.0.1:8086',
  ports: (url) => [portOf(url, defaultPort), rpcPort()],
  readyTimeoutMs: 60_000,

  async install(ctx) {
    const binary = binaryPath(ctx);
    if (existsSync(binary)) return;
    if (process.env.INFLUXD_BIN) throw new Error(`INFLUXD_BIN=${binary} does not exist`);
    const go = await requireGo();
    await requireCargo();
    await serialGoBuild('influxdb build', ctx.log, async () => {
      if (existsSync(binary)) return;
      const dir = toolDir(ctx);
      // `go install` writes into GOBIN: a private one, renamed into place only when the build succeeded.
      const gobin = join(dir, `.build-${process.pid}`);
      mkdirSync(gobin, { recursive: true });
      ctx.log(
        `building InfluxDB ${version} into ${dir}: Go, plus libflux with cargo ` +
          '(the first build takes 20+ minutes on 2 cores; later ones reuse Go’s and cargo’s caches)',
      );
      try {
        const started = Date.now();
        await runWithProgress(go, ['install', `github.com/influxdata/pkg-config@v${pkgConfigVersion}`], {
          env: { GOBIN: gobin },
          log: ctx.log,
          label: 'influxdb pkg-config build',
        });
        await runWithProgress(
          go,
          [
            'install',
            '-v',
            // What InfluxData's release build stamps in; `influxd version` prints it.
            `-ldflags=-X main.version=${version} -X main.branch=v${version}`,
            `github.com/influxdata/influxdb/cmd/influxd@v${version}`,
          ],
          {
            env: {
              CGO_ENABLED: '1',
              GOBIN: gobin,
              PKG_CONFIG: join(gobin, 'pkg-config'),
              // flux pins Rust 1.83 in rust-toolchain.toml, which rustup would try to download:
              // the toolchain at hand builds it.
              RUSTUP_TOOLCHAIN: process.env.RUSTUP_TOOLCHAIN ?? 'stable',
            },
            log: ctx.log,
            label: 'influxdb build',
          },
        );
        const built = readdirSync(gobin).find((file) => file === 'influxd');
        if (!built) throw new Error(`go install finished but left no influxd in ${gobin}`);
        renameSync(join(gobin, built), binary);
        ctx.log(`InfluxDB built in ${formatDuration(Date.now() - started)}`);
      } finally {
        rmSync(gobin, { recursive: true, force: true });
      }
    });
  },

  async process(ctx, url) {
    mkdirSync(ctx.storeDir, { recursive: true });
    const config = join(ctx.storeDir, 'influxdb.conf');
    writeFileSync(config, configFile(ctx, url));
    return {
      command: binaryPath(ctx),
      args: ['-config', config],
      cwd: ctx.storeDir,
      env: { GOMEMLIMIT: process.env.INFLUXDB_GOMEMLIMIT ?? '1GiB' },
    };
  },

  /** A real InfluxQL query (SHOW DATABASES), not just /ping. */
  async probe(url) {
    const query = new URL('/query', url);
    query.searchParams.set('q', 'SHOW DATABASES');
    const response = await fetch(query, { signal: AbortSignal.timeout(3000) });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`GET /query?q=SHOW DATABASES answered ${response.status}`);
    if (!body.includes('"results"'))
      throw new Error(`GET /query answered without results: ${body.slice(0, 200)}`);
  },
};
