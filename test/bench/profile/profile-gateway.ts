/**
 * CPU profile of one of our gateway variants under the gateway suite's workload (see README,
 * "Profile"): the fixture subgraphs, the variant started with `node --cpu-prof`, a warm-up and a
 * measured load (autocannon in a child process, as the bench does), then the profile summarised
 * into `results/profile-<variant>-<date>.md` (top functions by self time, packages, hot inclusive
 * frames) and a flame graph `results/profile-<variant>-<date>.svg`.
 *
 *   npx tsx test/bench/profile/profile-gateway.ts [--variant ours-nocache-1w] [--duration 20] [--connections 50]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '@aetherial/subgraph-kit';
import { launchFixtures } from '../fixtures/launch.js';
import { writeFixtureSupergraph } from '../fixtures/supergraph.js';
import { BENCH_REQUEST_BODY } from '../fixtures/workload.js';
import { startProcess, waitUntilReady } from '../gateways/process.js';
import { prepareCacheRedis } from '../gateways/redis.js';
import { gatewayVariants, launchSpec } from '../gateways/variants.js';
import { runLoadProcess } from '../load.js';
import { flameGraphSvg, summariseProfile, type CpuProfile } from './summarise.js';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'ours-nocache-1w' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    /** Extra node flags for the gateway (e.g. --max-semi-space-size=64), named in the file names. */
    'node-flag': { type: 'string', multiple: true, default: [] },
    'redis-url': { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/7' },
  },
});
const variant = gatewayVariants(2).find((candidate) => candidate.id === values.variant);
if (!variant || variant.kind !== 'ours') throw new Error(`--variant must be one of ours: ${values.variant}`);

const workDir = mkdtempSync(join(tmpdir(), 'aetherial-profile-'));
const profileDir = join(workDir, 'profile');
const fixtures = await launchFixtures();
try {
  const supergraphPath = writeFixtureSupergraph(fixtures.urls, join(workDir, 'supergraph.graphql'));
  if (variant.cache) {
    const problem = await prepareCacheRedis(values['redis-url']);
    if (problem) throw new Error(problem);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const spec = launchSpec(variant, { port, supergraphPath, redisUrl: values['redis-url'], workDir });
  const nodeFlags = values['node-flag'] ?? [];
  spec.args = ['--cpu-prof', '--cpu-prof-dir', profileDir, ...nodeFlags, ...spec.args];
  const loadAverageBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  const gateway = startProcess(spec, 30_000);
  let load;
  try {
    const answers = async () =>
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: BENCH_REQUEST_BODY,
        })
      ).status === 200;
    await waitUntilReady(gateway, answers, 120_000);
    const referenceBody = await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BENCH_REQUEST_BODY,
      })
    ).text();
    load = await runLoadProcess(
      {
        url,
        variants: [{ body: BENCH_REQUEST_BODY, referenceBody }],
        connections: Number(values.connections),
        warmupSeconds: 5,
        durationSeconds: Number(values.duration),
        timeoutSeconds: 10,
      },
      () => undefined,
    );
  } finally {
    await gateway.stop(); // SIGTERM: the gateway exits and node writes the profile
  }
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${profileDir}`);
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  const date = new Date().toISOString().slice(0, 10);
  const flagSuffix = nodeFlags.map((flag) => flag.replace(/^-+/, '').replace(/[^a-z0-9]+/gi, '-')).join('-');
  const base = resolve(
    import.meta.dirname,
    '../results',
    `profile-${variant.id}${flagSuffix ? `-${flagSuffix}` : ''}-${date}`,
  );
  const heading = [
    `# CPU profile: ${variant.label}`,
    '',
    `${new Date().toISOString()}; \`${variant.describe}\` with \`--cpu-prof${nodeFlags.map((flag) => ` ${flag}`).join('')}\`, the gateway suite's TestQuery, ` +
      `${values.connections} connections, 5 s warm-up + ${values.duration} s (the profile covers start-up, warm-up and run). ` +
      `Load while profiling: ${load.rps} rps, p50 ${load.latencyMs.p50} ms, ${load.failures} failures. ` +
      `Machine load average (1, 5, 15 min) before: ${loadAverageBefore.join(', ')}; after: ${loadavg()
        .map((value) => Math.round(value * 100) / 100)
        .join(', ')} (2 cores, shared).`,
    '',
    `Flame graph: [${base.split('/').pop()}.svg](${base.split('/').pop()}.svg).`,
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, `${heading}${summariseProfile(profile)}`);
  writeFileSync(`${base}.svg`, flameGraphSvg(profile, `${variant.label}: CPU flame graph (TestQuery)`));
  console.log(`profile summary: ${base}.md, flame graph: ${base}.svg`);
} finally {
  fixtures.stop();
  rmSync(workDir, { recursive: true, force: true });
}
