export { seededRandom } from '@aetherial/subgraph-kit';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Driver, ManagedTransaction, Session } from 'neo4j-driver';
import { loadSocialConfig, type SocialConfig } from '../src/config.js';
import { createDriver, Graph } from '../src/neo4j.js';

/**
 * Neo4j Community has one database, shared with the demo data and other runs: every node a test
 * creates has an id starting with a prefix unique to the run, and only those are deleted.
 */
export const newPrefix = (): string => `test-${randomBytes(5).toString('hex')}-`;

export function testConfig(overrides: Record<string, string> = {}): SocialConfig {
  return loadSocialConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SOCIAL_PORT: '0',
    SOCIAL_PROJECTOR: 'false',
    SOCIAL_RELAY: 'false',
    ...overrides,
  });
}

export const connectDriver = (): Driver => createDriver(testConfig());

export const connectRedis = (): Redis => new Redis(testConfig().REDIS_URL, { maxRetriesPerRequest: null });

export async function deleteTestNodes(driver: Driver, prefix: string): Promise<void> {
  await new Graph(driver).write('MATCH (node) WHERE node.id STARTS WITH $prefix DETACH DELETE node', {
    prefix,
  });
}

export interface QueryCounter {
  /** Queries sent through the driver since the last reset. */
  count: number;
  reset: () => void;
}

/**
 * Wraps a driver to count the queries that cross it (executeQuery, session.run and run inside
 * executeRead/executeWrite), so round trips are measured outside the code under test.
 */
export function countingDriver(driver: Driver): { driver: Driver; counter: QueryCounter } {
  const counter: QueryCounter = {
    count: 0,
    reset: () => {
      counter.count = 0;
    },
  };
  const countRuns = <T extends Session | ManagedTransaction>(target: T): T =>
    new Proxy(target, {
      get(inner, property) {
        const value: unknown = Reflect.get(inner, property, inner);
        if (property === 'run' && typeof value === 'function') {
          return (...args: unknown[]) => {
            counter.count += 1;
            return Reflect.apply(value, inner, args);
          };
        }
        if ((property === 'executeRead' || property === 'executeWrite') && typeof value === 'function') {
          return (work: (tx: ManagedTransaction) => unknown, ...rest: unknown[]) =>
            Reflect.apply(value, inner, [(tx: ManagedTransaction) => work(countRuns(tx)), ...rest]);
        }
        return typeof value === 'function' ? value.bind(inner) : value;
      },
    });
  const wrapped = new Proxy(driver, {
    get(inner, property) {
      const value: unknown = Reflect.get(inner, property, inner);
      if (property === 'executeQuery' && typeof value === 'function') {
        return (...args: unknown[]) => {
          counter.count += 1;
          return Reflect.apply(value, inner, args);
        };
      }
      if (property === 'session' && typeof value === 'function') {
        return (...args: unknown[]) => countRuns(Reflect.apply(value, inner, args) as Session);
      }
      return typeof value === 'function' ? value.bind(inner) : value;
    },
  });
  return { driver: wrapped, counter };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
