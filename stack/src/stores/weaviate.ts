import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, requireGo, runWithProgress, serialGoBuild } from '../exec.js';
import type { StackContext, StoreDef } from '../store.js';
import { portOf } from '../url.js';

/**
 * Weaviate, built from the Go module proxy (no cgo) and run as a single node on loopback.
 * The first build takes many minutes (about 11 min on 2 cores); later ones reuse Go's build cache.
 */
const version = '1.39.0';
const modulePath = 'github.com/weaviate/weaviate/cmd/weaviate-server';
const defaultPort = 8080;

function envPort(name: string, fallback: number): number {
  const value = process.env[name];
  if (!value) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`${name}=${value} is not a TCP port`);
  return port;
}

/**
 * Every port the node binds. Weaviate binds gRPC and the cluster data port on all interfaces
 * (it has no setting for their address); the others follow CLUSTER_BIND_ADDR / --host (127.0.0.1).
 */
function weaviatePorts(url: URL) {
  const gossip = envPort('WEAVIATE_GOSSIP_PORT', 7946);
  const raft = envPort('WEAVIATE_RAFT_PORT', 8300);
  return {
    http: portOf(url, defaultPort),
    grpc: envPort('WEAVIATE_GRPC_PORT', 50051),
    /** memberlist, TCP and UDP. */
    gossip,
    /** Internal cluster API (REST + gRPC). */
    data: gossip + 1,
    raft,
    raftRpc: raft + 1,
  };
}

const binaryPath = (ctx: StackContext) => join(ctx.toolsDir, `weaviate-${version}`, 'weaviate-server');

export const weaviate: StoreDef = {
  name: 'weaviate',
  urlEnv: 'WEAVIATE_URL',
  defaultUrl: 'http://127.0.0.1:8080',
  ports: (url) => Object.values(weaviatePorts(url)),
  readyTimeoutMs: 120_000,

  async install(ctx) {
    const binary = binaryPath(ctx);
    if (existsSync(binary)) return;
    const go = await requireGo();
    await serialGoBuild('weaviate build', ctx.log, async () => {
      if (existsSync(binary)) return;
      const dir = join(binary, '..');
      // `go install` writes into GOBIN: a private one, renamed into place only when the build succeeded.
      const gobin = join(dir, `.build-${process.pid}`);
      mkdirSync(gobin, { recursive: true });
      ctx.log(
        `building Weaviate ${version} with Go into ${dir}: the first build takes 10+ minutes, ` +
          'later builds reuse Go’s cache',
      );
      try {
        const { elapsedMs } = await runWithProgress(go, ['install', '-v', `${modulePath}@v${version}`], {
          env: { CGO_ENABLED: '0', GOBIN: gobin },
          log: ctx.log,
          label: 'weaviate build',
        });
        const built = readdirSync(gobin).find((file) => file.startsWith('weaviate-server'));
        if (!built) throw new Error(`go install finished but left no weaviate-server in ${gobin}`);
        renameSync(join(gobin, built), binary);
        ctx.log(`Weaviate built in ${formatDuration(elapsedMs)}`);
      } finally {
        rmSync(gobin, { recursive: true, force: true });
      }
    });
  },

  async process(ctx, url) {
    const ports = weaviatePorts(url);
    mkdirSync(ctx.storeDir, { recursive: true });
    return {
      command: binaryPath(ctx),
      args: ['--host', '127.0.0.1', '--port', String(ports.http), '--scheme', 'http'],
      cwd: ctx.storeDir,
      env: {
        AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED: 'true',
        PERSISTENCE_DATA_PATH: join(ctx.storeDir, 'data'),
        DEFAULT_VECTORIZER_MODULE: 'none',
        // Vectors come from our own embedder: no vectorizer / generative modules.
        API_BASED_MODULES_DISABLED: 'true',
        DISABLE_TELEMETRY: 'true',
        // Single node on loopback.
        CLUSTER_HOSTNAME: 'node1',
        CLUSTER_IN_LOCALHOST: 'true',
        CLUSTER_ADVERTISE_ADDR: '127.0.0.1',
        CLUSTER_BIND_ADDR: '127.0.0.1',
        CLUSTER_GOSSIP_BIND_PORT: String(ports.gossip),
        CLUSTER_DATA_BIND_PORT: String(ports.data),
        RAFT_PORT: String(ports.raft),
        RAFT_INTERNAL_RPC_PORT: String(ports.raftRpc),
        RAFT_BOOTSTRAP_EXPECT: '1',
        // Raft's timeouts are multiplied by 5 by default: a single node then needs ~9 s to elect itself; 1 gives ~2.5 s.
        RAFT_TIMEOUTS_MULTIPLIER: '1',
        GRPC_PORT: String(ports.grpc),
        // No pprof/debug listener on :6060 (it would bind every interface); no Prometheus listener.
        GO_PROFILING_DISABLE: 'true',
        PROMETHEUS_MONITORING_ENABLED: 'false',
        // Leave the 80%-of-RAM limit of LIMIT_RESOURCES off; a soft Go heap target keeps a dev node small.
        LIMIT_RESOURCES: 'false',
        GOMEMLIMIT: process.env.WEAVIATE_GOMEMLIMIT ?? '1GiB',
        LOG_LEVEL: 'info',
        QUERY_DEFAULTS_LIMIT: '25',
      },
    };
  },

  async probe(url) {
    const response = await fetch(new URL('/v1/.well-known/ready', url), {
      signal: AbortSignal.timeout(3000),
    });
    await response.body?.cancel();
    if (response.status !== 200) throw new Error(`GET /v1/.well-known/ready answered ${response.status}`);
  },
};
