/**
 * Gateway entry point: a cluster of GATEWAY_WORKERS workers sharing port GATEWAY_PORT (query
 * planning is CPU-bound, so one process per core). GATEWAY_WORKERS=1 runs in a single process.
 */
import cluster from 'node:cluster';
import { keyId, parsePrivateKey } from '@aetherial/subgraph-kit';
import { serveClusterMetrics } from './cluster-metrics.js';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './server.js';

let config: ReturnType<typeof loadGatewayConfig>;
try {
  config = loadGatewayConfig();
} catch (error) {
  // A missing or bad setting: its name and the problem, without a stack trace.
  console.error(`gateway cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

function runWorker(name: string): void {
  startGateway(config, name).then(
    (gateway) => {
      if (cluster.isPrimary || cluster.worker?.id === 1) {
        gateway.log.info(
          {
            url: gateway.url,
            workers: config.GATEWAY_WORKERS,
            signingKey: keyId(parsePrivateKey(config.GATEWAY_SIGNING_PRIVATE_KEY)),
            tokens: config.JWT_JWKS_URL ? `JWKS ${config.JWT_JWKS_URL}` : 'HS256',
          },
          `gateway ready at ${gateway.url}`,
        );
      }
      const shutdown = (signal: NodeJS.Signals) => {
        gateway.log.info({ signal }, 'gateway shutting down');
        gateway.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (error: unknown) => {
      console.error(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

/**
 * A young generation of 32 MiB a semi-space (V8's default is 16): a request allocates its subgraph
 * answers, merged results and response text, mostly short-lived, and with the default the
 * scavenger ran often enough to be a quarter of an uncached worker's CPU (14% with this, 16% with 64; see
 * test/bench/results/profile-*). The start scripts pass it to a single process; workers get it here.
 */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=32'];

if (config.GATEWAY_WORKERS > 1 && cluster.isPrimary) {
  let stopping = false;
  const tuned = process.execArgv.some((flag) => flag.startsWith('--max-semi-space-size'));
  if (!tuned) cluster.setupPrimary({ execArgv: [...process.execArgv, ...GATEWAY_NODE_FLAGS] });
  serveClusterMetrics(); // a worker's /metrics answers for every worker
  for (let i = 0; i < config.GATEWAY_WORKERS; i += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`gateway worker ${worker.id} exited (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stopAll = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stopAll);
  process.once('SIGINT', stopAll);
} else {
  runWorker(cluster.isPrimary ? 'gateway' : `worker-${cluster.worker?.id}`);
}
