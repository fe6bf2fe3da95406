import { checkCandidate, composeVersions, type Candidate, type CheckReport } from './check.js';
import type { RegistryStore } from './store.js';

export interface PublishOutcome {
  published: boolean;
  report: CheckReport;
  subgraphVersion?: number;
  supergraphVersion?: number;
}

/**
 * `schema publish`: refuses what `check` refuses unless `force` (a composition error is refused
 * even then: the gateway could not load the result), stores the version and the recomposed
 * supergraph the gateway picks up.
 */
export async function publishCandidate(
  registry: RegistryStore,
  candidate: Candidate,
  options: { force?: boolean; windowDays?: number } = {},
): Promise<PublishOutcome> {
  const report = await checkCandidate(registry, candidate, options);
  if (!report.supergraphSdl || (report.refusals.length > 0 && !options.force)) {
    return { published: false, report };
  }
  const current = await registry.currentSubgraphs();
  const stored = await registry.publish(
    {
      subgraph: candidate.subgraph,
      sdl: candidate.sdl,
      routingUrl: report.routingUrl,
      action: report.refusals.length > 0 ? 'force-publish' : 'publish',
    },
    {
      sdl: report.supergraphSdl,
      subgraphVersions: Object.fromEntries(current.map((version) => [version.subgraph, version.id])),
    },
  );
  return { published: true, report, ...stored };
}

/**
 * `schema rollback`: publishes the version before the current one of `subgraph` again (or the
 * version `to`), after checking it still composes with the others. History stays append-only.
 */
export async function rollbackSubgraph(
  registry: RegistryStore,
  subgraph: string,
  options: { to?: number } = {},
): Promise<{ subgraphVersion: number; supergraphVersion: number; restored: number }> {
  const history = await registry.history(subgraph, 1000);
  const [current] = history;
  if (!current) throw new Error(`subgraph "${subgraph}" has no published version`);
  const target =
    options.to === undefined
      ? history.find((version) => version.sdl !== current.sdl || version.routingUrl !== current.routingUrl)
      : history.find((version) => version.id === options.to);
  if (!target) {
    throw new Error(
      options.to === undefined
        ? `subgraph "${subgraph}" has no earlier, different version to roll back to`
        : `version ${options.to} is not a version of subgraph "${subgraph}"`,
    );
  }
  const others = (await registry.currentSubgraphs()).filter((version) => version.subgraph !== subgraph);
  const composition = composeVersions([...others, target]);
  if (!composition.ok) {
    throw new Error(
      `version ${target.id} of "${subgraph}" no longer composes with the others:\n  ${composition.errors.join('\n  ')}`,
    );
  }
  const stored = await registry.publish(
    { subgraph, sdl: target.sdl, routingUrl: target.routingUrl, action: 'rollback' },
    {
      sdl: composition.supergraphSdl,
      subgraphVersions: Object.fromEntries(others.map((version) => [version.subgraph, version.id])),
    },
  );
  return { ...stored, restored: target.id };
}
