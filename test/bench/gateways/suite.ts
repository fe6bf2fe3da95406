import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchFixtures, type FixtureProcess } from '../fixtures/launch.js';
import { writeFixtureSupergraph } from '../fixtures/supergraph.js';
import type { BenchOptions } from '../options.js';
import { measureVariant, type VariantResult } from './measure.js';
import type { RunningProcess } from './process.js';
import { HIVE_ROUTER_BUILD_HINT, hiveRouterBuilt } from './hive-router.js';
import { buildGateway } from './build-gateway.js';
import { prepareCacheRedis } from './redis.js';
import { gatewayVariants, type GatewayVariant } from './variants.js';

export const FIXTURE_SUPERGRAPH_PATH = resolve(import.meta.dirname, '../fixtures/supergraph.graphql');

export function selectVariants(options: BenchOptions): GatewayVariant[] {
  const all = gatewayVariants(options.workers);
  if (options.gateways.length === 0) return all;
  const chosen = all.filter((v) =>
    options.gateways.some((wanted) => v.id === wanted || v.id.startsWith(wanted)),
  );
  if (chosen.length === 0)
    throw new Error(
      `no gateway variant matches ${options.gateways.join(', ')}; known: ${all.map((v) => v.id).join(', ')}`,
    );
  return chosen;
}

/** The round with the median RPS (the lower middle one for an even count), with every round's RPS. */
export function medianRound(results: VariantResult[]): VariantResult {
  const measured = results.filter((r) => r.load).sort((a, b) => a.load!.rps - b.load!.rps);
  if (measured.length === 0) return results[0]!;
  const median = measured[Math.floor((measured.length - 1) / 2)]!;
  return results.length > 1 ? { ...median, roundsRps: results.map((r) => r.load?.rps ?? 0) } : median;
}

/**
 * The gateway benchmark: the four fixture subgraphs in a process of their own, composed into one
 * supergraph, then each gateway variant in turn against the same subgraphs and the same load
 * (all variants once per round, so a slow spell of a noisy machine does not hit one gateway only).
 */
export async function runGatewaySuite(
  options: BenchOptions,
  onResult: (result: VariantResult, round: number) => void,
): Promise<VariantResult[]> {
  const variants = selectVariants(options);
  const workDir = mkdtempSync(join(tmpdir(), 'aetherial-bench-'));
  let current: RunningProcess | undefined;
  let fixtures: FixtureProcess | undefined;
  const cleanUp = async () => {
    await current?.stop();
    fixtures?.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    fixtures = await launchFixtures();
    const supergraphPath = writeFixtureSupergraph(fixtures.urls, FIXTURE_SUPERGRAPH_PATH);
    const redisProblem = variants.some((v) => v.cache) ? await prepareCacheRedis(options.redisUrl) : null;
    const routerProblem = hiveRouterBuilt() ? null : HIVE_ROUTER_BUILD_HINT;
    const buildProblem = variants.some((v) => v.built) ? buildGateway() : null;
    const rounds: VariantResult[][] = variants.map(() => []);
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const [i, variant] of variants.entries()) {
        let result: VariantResult;
        if (variant.cache && redisProblem) {
          result = { variant, status: 'skipped', reason: redisProblem, loadAverage: 0 };
        } else if (variant.kind === 'hive-router' && routerProblem) {
          result = { variant, status: 'skipped', reason: routerProblem, loadAverage: 0 };
        } else if (variant.built && buildProblem) {
          result = { variant, status: 'skipped', reason: buildProblem, loadAverage: 0 };
        } else {
          if (variant.cache) await prepareCacheRedis(options.redisUrl);
          result = await measureVariant(
            variant,
            { supergraphPath, redisUrl: options.redisUrl, workDir, fixtures },
            {
              connections: options.connections,
              warmupSeconds: options.warmupSeconds,
              durationSeconds: options.durationSeconds,
              timeoutSeconds: options.timeoutSeconds,
            },
            (running) => {
              current = running;
            },
          );
        }
        rounds[i]!.push(result);
        onResult(result, round);
      }
    }
    return rounds.map(medianRound);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}
