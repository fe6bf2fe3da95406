import { composeServices } from '@apollo/composition';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, parse, printSchema, type GraphQLError } from 'graphql';
import type { OperationUsage, RegistryStore, SubgraphVersion } from './store.js';

export interface Candidate {
  subgraph: string;
  sdl: string;
  /** Defaults to the routing URL of the subgraph's current version. */
  routingUrl?: string;
}

export interface ClassifiedChange {
  level: 'breaking' | 'dangerous' | 'safe';
  /** Schema coordinate the change is about, e.g. `User.email` or `Query.users.first`. */
  path: string | undefined;
  message: string;
  /** For breaking changes: client operations that used `path` in the window. */
  usedBy: OperationUsage[];
}

export interface CheckReport {
  subgraph: string;
  /** Composition errors, each naming the subgraph, type and field Apollo's composition names. */
  compositionErrors: string[];
  changes: ClassifiedChange[];
  /** Why `check` refuses (empty: accepted). */
  refusals: string[];
  /** The composed supergraph when composition succeeded (what publish stores). */
  supergraphSdl?: string;
  routingUrl: string;
  windowDays: number;
}

const LEVELS: Record<CriticalityLevel, ClassifiedChange['level']> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

function describe(error: GraphQLError): string {
  const code = (error.extensions?.code as string | undefined) ?? 'COMPOSITION_ERROR';
  return `[${code}] ${error.message}`;
}

export type Composition =
  { ok: true; supergraphSdl: string; apiSdl: string } | { ok: false; errors: string[] };

/** Composes subgraph versions with Apollo's composition; the API schema is what clients see. */
export function composeVersions(
  versions: Pick<SubgraphVersion, 'subgraph' | 'sdl' | 'routingUrl'>[],
): Composition {
  const services = [];
  for (const version of versions) {
    try {
      services.push({ name: version.subgraph, url: version.routingUrl, typeDefs: parse(version.sdl) });
    } catch (error) {
      return {
        ok: false,
        errors: [`[INVALID_GRAPHQL] subgraph "${version.subgraph}": ${(error as Error).message}`],
      };
    }
  }
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map(describe) };
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    apiSdl: printSchema(result.schema.toAPISchema().toGraphQLJSSchema()),
  };
}

/**
 * `schema check`: the candidate composed with every other subgraph's published version, then
 * every change of the API schema classified, and each breaking change matched against the
 * operations the gateway recorded in the last `windowDays`. Refused: a composition error, or a
 * breaking change that live traffic used.
 */
export async function checkCandidate(
  registry: RegistryStore,
  candidate: Candidate,
  options: { windowDays?: number; now?: Date } = {},
): Promise<CheckReport> {
  const windowDays = options.windowDays ?? 14;
  const current = await registry.currentSubgraphs();
  const previous = current.find((version) => version.subgraph === candidate.subgraph);
  const routingUrl = candidate.routingUrl ?? previous?.routingUrl;
  const report: CheckReport = {
    subgraph: candidate.subgraph,
    compositionErrors: [],
    changes: [],
    refusals: [],
    routingUrl: routingUrl ?? '',
    windowDays,
  };
  if (!routingUrl) {
    report.refusals.push(
      `subgraph "${candidate.subgraph}" was never published: give its routing URL (--url)`,
    );
    return report;
  }
  const others = current.filter((version) => version.subgraph !== candidate.subgraph);
  const next = composeVersions([...others, { subgraph: candidate.subgraph, sdl: candidate.sdl, routingUrl }]);
  if (!next.ok) {
    report.compositionErrors = next.errors;
    report.refusals.push(
      `composition failed (${next.errors.length} error${next.errors.length === 1 ? '' : 's'})`,
    );
    return report;
  }
  report.supergraphSdl = next.supergraphSdl;
  const before = current.length > 0 ? composeVersions(current) : undefined;
  if (before && !before.ok) {
    // The published set itself does not compose (a forced publish): nothing to diff against.
    return report;
  }
  const changes: Change[] = before ? await diff(buildSchema(before.apiSdl), buildSchema(next.apiSdl)) : [];
  const since = new Date((options.now ?? new Date()).getTime() - windowDays * 24 * 3600 * 1000);
  for (const change of changes) {
    const level = LEVELS[change.criticality.level];
    const usedBy =
      level === 'breaking' && change.path ? await registry.operationsUsing(change.path, since) : [];
    report.changes.push({ level, path: change.path, message: change.message, usedBy });
    if (usedBy.length > 0) {
      const total = usedBy.reduce((sum, use) => sum + use.count, 0);
      report.refusals.push(
        `breaking change used by ${usedBy.length} operation${usedBy.length === 1 ? '' : 's'} (${total} requests in ${windowDays} days): ${change.message}`,
      );
    }
  }
  return report;
}

/** The report as a person reads it in CI logs. */
export function formatReport(report: CheckReport): string {
  const lines = [`schema check of subgraph "${report.subgraph}"`];
  for (const error of report.compositionErrors) lines.push(`  composition error: ${error}`);
  for (const change of report.changes) {
    lines.push(`  ${change.level.padEnd(9)} ${change.message}`);
    for (const use of change.usedBy) {
      lines.push(
        `            used by operation "${use.operationName}" (${use.operationHash.slice(0, 12)}) of ${use.clientName}@${use.clientVersion}: ${use.count} requests`,
      );
    }
  }
  if (report.changes.length === 0 && report.compositionErrors.length === 0)
    lines.push('  no changes to the API schema');
  lines.push(
    report.refusals.length === 0
      ? '  accepted'
      : `  refused:\n${report.refusals.map((reason) => `    - ${reason}`).join('\n')}`,
  );
  return lines.join('\n');
}
