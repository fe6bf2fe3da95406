/**
 * `npm run bench`: benchmarks on demand (never part of the test suite). See test/bench/README.md.
 */
import { runGatewaySuite } from './gateways/suite.js';
import { parseBenchOptions, USAGE } from './options.js';
import { consoleTable, describeMachine, runSettings, writeGatewayReport, type GatewayRun } from './report.js';

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
