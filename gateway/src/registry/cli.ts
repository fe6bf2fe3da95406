/**
 * `npm run schema -- <command>`: the embedded schema registry (PostgreSQL at SCHEMA_REGISTRY_URL).
 *
 *   check    --subgraph <name> [--schema <file>] [--url <routing url>] [--window-days 14] [--json]
 *   publish  --subgraph <name> [--schema <file>] [--url <routing url>] [--force] [--json]
 *   history  [--subgraph <name>] [--limit 20] [--json]
 *   rollback --subgraph <name> [--to <version id>]
 *
 * `--schema` defaults to the subgraph's file in supergraph.yaml, `--url` to its current routing
 * URL (or supergraph.yaml's for a first publish). Exit 1 when a check or publish is refused.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readSupergraphConfig } from '../compose/supergraph-config.js';
import { checkCandidate, formatReport, type Candidate } from './check.js';
import { publishCandidate, rollbackSubgraph } from './publish.js';
import { registryUrl } from './registry-url.js';
import { RegistryStore } from './store.js';

const root = resolve(import.meta.dirname, '../../..');
const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    subgraph: { type: 'string' },
    schema: { type: 'string' },
    url: { type: 'string' },
    force: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'window-days': { type: 'string', default: '14' },
    limit: { type: 'string', default: '20' },
    to: { type: 'string' },
    config: { type: 'string', default: resolve(root, 'supergraph.yaml') },
  },
  strict: true,
});

function candidate(registryHasIt: boolean): Candidate {
  const subgraph = values.subgraph;
  if (!subgraph) throw new Error('--subgraph <name> is required');
  const local = (() => {
    try {
      return readSupergraphConfig(values.config).find((entry) => entry.name === subgraph);
    } catch {
      return undefined;
    }
  })();
  const schemaFile = values.schema ? resolve(process.cwd(), values.schema) : local?.schemaFile;
  if (!schemaFile) throw new Error(`no --schema given and "${subgraph}" is not in ${values.config}`);
  const routingUrl = values.url ?? (registryHasIt ? undefined : local?.url);
  return { subgraph, sdl: readFileSync(schemaFile, 'utf8'), ...(routingUrl ? { routingUrl } : {}) };
}

const print = (text: string, json: unknown) =>
  console.log(values.json ? JSON.stringify(json, null, 2) : text);

async function main(registry: RegistryStore): Promise<number> {
  const known = async () =>
    (await registry.currentSubgraphs()).some((version) => version.subgraph === values.subgraph);
  const windowDays = Number(values['window-days']);
  switch (command) {
    case 'check': {
      const report = await checkCandidate(registry, candidate(await known()), { windowDays });
      print(formatReport(report), { ...report, supergraphSdl: undefined });
      return report.refusals.length > 0 ? 1 : 0;
    }
    case 'publish': {
      const outcome = await publishCandidate(registry, candidate(await known()), {
        force: values.force,
        windowDays,
      });
      const summary = outcome.published
        ? `published "${values.subgraph}" as version ${outcome.subgraphVersion}; supergraph version ${outcome.supergraphVersion}`
        : `not published${outcome.report.supergraphSdl ? ' (--force publishes anyway)' : ''}`;
      print(`${formatReport(outcome.report)}\n${summary}`, {
        ...outcome,
        report: { ...outcome.report, supergraphSdl: undefined },
      });
      return outcome.published ? 0 : 1;
    }
    case 'history': {
      const versions = await registry.history(values.subgraph, Number(values.limit));
      print(
        versions
          .map(
            (v) =>
              `${String(v.id).padStart(5)}  ${v.publishedAt.toISOString()}  ${v.subgraph.padEnd(10)} ${v.action.padEnd(13)} ${v.routingUrl}`,
          )
          .join('\n') || 'no versions published yet',
        versions.map(({ sdl: _sdl, ...version }) => version),
      );
      return 0;
    }
    case 'rollback': {
      if (!values.subgraph) throw new Error('--subgraph <name> is required');
      const outcome = await rollbackSubgraph(
        registry,
        values.subgraph,
        values.to ? { to: Number(values.to) } : {},
      );
      print(
        `rolled "${values.subgraph}" back to version ${outcome.restored} (now version ${outcome.subgraphVersion}); supergraph version ${outcome.supergraphVersion}`,
        outcome,
      );
      return 0;
    }
    default:
      console.error('usage: npm run schema -- check|publish|history|rollback --subgraph <name> [options]');
      return 2;
  }
}

const registry = await RegistryStore.connect(registryUrl());
try {
  process.exitCode = await main(registry);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await registry.close();
}
