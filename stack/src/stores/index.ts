import type { StoreDef } from '../store.js';
import { ferretdb } from './ferretdb.js';
import { influxdb } from './influxdb.js';
import { neo4j } from './neo4j.js';
import { opensearch } from './opensearch.js';
import { postgres } from './postgres.js';
import { redis } from './redis.js';
import { redisCluster } from './redis-cluster.js';
import { weaviate } from './weaviate.js';

/** Every store of the stack, in the order tables print them. */
export const stores: StoreDef[] = [
  postgres,
  redis,
  ferretdb,
  neo4j,
  opensearch,
  weaviate,
  influxdb,
  redisCluster,
];

export function storeNamed(name: string): StoreDef {
  const store = stores.find((candidate) => candidate.name === name);
  if (!store) throw new Error(`unknown store "${name}"; stores: ${stores.map((s) => s.name).join(', ')}`);
  return store;
}
