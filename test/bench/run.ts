/**
 * `npm run bench`: benchmarks on demand (never part of the test suite). See test/bench/README.md.
 */
import { buildHiveRouter } from './gateways/hive-router.js';
import { runGatewaySuite } from './gateways/suite.js';
import { graphConsoleTable, writeGraphReport, type GraphRun } from './graph/report.js';
import { BENCH_SEED, runGraphSuite } from './graph/suite.js';
import { parseBenchOptions, USAGE } from './options.js';
import { consoleTable, describeMachine, runSettings, writeGatewayReport, type GatewayRun } from './report.js';
import { runSubscriptionSuite } from './subscriptions/suite.js';

let options;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}

if (options.buildPeers) {
  try {
    await buildHiveRouter((message) => console.log(message));
    process.exit(0);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

if (options.suites.includes('gateways')) {
  const startedAt = new Date().toISOString();
  console.log(
    `gateway benchmark: ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s per gateway` +
      `${options.rounds > 1 ? `, ${options.rounds} rounds` : ''}` +
      `${options.short ? ' (short mode)' : ''}`,
  );
  const results = await runGatewaySuite(options, (result, round) => {
    const summary = result.load
      ? `${result.load.rps.toFixed(1)} rps, p99 ${result.load.latencyMs.p99} ms, ${result.load.failures} failures, peak RSS ${result.peakRssMiB} MiB`
      : `${result.status}: ${result.reason?.split('\n')[0]}`;
    console.log(`  ${options.rounds > 1 ? `[round ${round}] ` : ''}${result.variant.label}: ${summary}`);
  });
  const run: GatewayRun = {
    suite: 'gateways',
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: options.short ? 'short' : 'full',
    settings: runSettings(options),
    machine: describeMachine(),
    results,
  };
  console.log(`\n${consoleTable(results)}\n`);
  for (const file of writeGatewayReport(run, options.outDir)) console.log(`wrote ${file}`);
}

if (options.suites.includes('graph')) {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  console.log(
    `\ngraph benchmark: scales ${options.graph.scales.join(', ')}; ${options.graph.connections} connections, ` +
      `${options.warmupSeconds} s warm-up + ${options.graph.durationSeconds} s per page, size and cache setting` +
      `${options.short ? ' (short mode)' : ''}`,
  );
  const sizes = await runGraphSuite(
    options,
    (message) => console.log(`  [${elapsed()}] ${message}`),
    (row) => {
      const summary = row.load
        ? `${row.load.rps.toFixed(1)} rps, p50 ${row.load.latencyMs.p50} ms, p99 ${row.load.latencyMs.p99} ms, ` +
          `${row.load.failures} failures`
        : `${row.status}: ${row.reason?.split('\n')[0]}`;
      console.log(
        `  [${elapsed()}] ${row.page}, scale ${row.scale}, cache ${row.cache ? 'on' : 'off'}: ${summary}`,
      );
    },
  );
  const run: GraphRun = {
    suite: 'graph',
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: options.short ? 'short' : 'full',
    settings: {
      durationSeconds: options.graph.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.graph.connections,
      timeoutSeconds: options.timeoutSeconds,
      scales: options.graph.scales,
      seed: BENCH_SEED,
      gatewayWorkers: 1,
    },
    machine: describeMachine(),
    totalSeconds: Math.round((performance.now() - started) / 1000),
    sizes,
  };
  console.log(`\n${graphConsoleTable(sizes)}\n`);
  for (const file of writeGraphReport(run, options.outDir)) console.log(`wrote ${file}`);
  if (sizes.some((size) => size.status !== 'ok')) process.exitCode = 1;
}

if (options.suites.includes('subscriptions')) {
  const { counts, posts, burst } = options.subscriptions;
  console.log(
    `\nsubscription benchmark: ${counts.join(', ')} graphql-ws subscribers; ${posts} posts one at a time, ` +
      `then a burst of ${burst}${options.short ? ' (short mode)' : ''}`,
  );
  const { files } = await runSubscriptionSuite({ counts, posts, burst, outDir: options.outDir }, (message) =>
    console.log(`  ${message}`),
  );
  for (const file of files) console.log(`wrote ${file}`);
}
