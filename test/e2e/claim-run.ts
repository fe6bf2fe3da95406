import { developmentSecrets, GRAPH_SECRET_NAMES } from '@aetherial/subgraph-kit';
import { freePorts } from '../graph/namespace.js';

/**
 * Gives this run free ports, its own event stream and random secrets through the environment, which namespace.ts
 * reads when first imported (so this runs before anything imports it) and test workers inherit.
 * Values already set (to pin ports while debugging) are kept.
 */
export async function claimRun(): Promise<void> {
  const { gatewayPort, ports } = await freePorts();
  process.env.E2E_GATEWAY_PORT ??= String(gatewayPort);
  for (const [name, port] of Object.entries(ports))
    process.env[`E2E_${name.toUpperCase()}_PORT`] ??= String(port);
  process.env.E2E_EVENTS_STREAM ??= `aetherial:e2e:${process.pid}:events`;
  // Random secrets for this run's graph, shared with the test workers (which sign calls with them).
  const secrets = developmentSecrets();
  for (const name of GRAPH_SECRET_NAMES) process.env[`E2E_${name}`] ??= secrets[name];
}
