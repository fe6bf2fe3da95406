import type { Logger } from 'pino';
import type { IndexDefinition, SearchEngine } from './engine/engine.js';
import { ADDITIVE_UPGRADES, MAPPING_VERSION, pendingAlias, versionedIndexName } from './mappings.js';

/**
 * Makes sure the read alias points at an index, creating `<alias>-v<timestamp>` with the alias
 * in the same request when there is none. Returns the indices behind the alias.
 */
export async function ensureIndex(
  engine: SearchEngine,
  alias: string,
  definition: IndexDefinition,
  log?: Logger,
): Promise<string[]> {
  const existing = await engine.aliasTargets(alias);
  if (existing.length > 0) {
    for (const index of existing) await upgradeInPlace(engine, index, log);
    await warnIfOutdated(engine, existing[0]!, definition, log);
    return existing;
  }
  const created = versionedIndexName(alias);
  await engine.createIndex(created, definition, [alias]);
  log?.info({ alias, index: created }, 'created the search index');
  // Two processes starting at once may each create one. Both keep the smallest name and the
  // other one is deleted by its creator, so the alias ends on exactly one index.
  const targets = await engine.aliasTargets(alias);
  const keep = targets[0];
  if (targets.length > 1 && keep !== created) {
    await engine.deleteIndex(created);
    return [keep!];
  }
  return targets.length > 1 ? [created] : targets;
}

/** Applies the additive mapping changes an index lacks (ADDITIVE_UPGRADES), oldest first. */
async function upgradeInPlace(engine: SearchEngine, index: string, log?: Logger): Promise<void> {
  const meta = await engine.mappingMeta(index);
  let version = Number(meta.mappingVersion ?? 0);
  while (version < MAPPING_VERSION && ADDITIVE_UPGRADES[version]) {
    await engine.putMapping(index, ADDITIVE_UPGRADES[version]!, { ...meta, mappingVersion: version + 1 });
    log?.info({ index, from: version, to: version + 1 }, 'search index mapping upgraded in place');
    version += 1;
  }
}

async function warnIfOutdated(
  engine: SearchEngine,
  index: string,
  definition: IndexDefinition,
  log?: Logger,
): Promise<void> {
  const meta = await engine.mappingMeta(index);
  const version = Number(meta.mappingVersion ?? 0);
  if (version < MAPPING_VERSION) {
    log?.warn(
      { index, indexMapping: version, codeMapping: MAPPING_VERSION },
      'search index mapping is outdated; run `npm run reindex`',
    );
    return;
  }
  const wanted = (definition.mappings._meta as { synonymsVersion?: string } | undefined)?.synonymsVersion;
  if (wanted !== undefined && meta.synonymsVersion !== wanted) {
    log?.warn(
      { index, indexSynonyms: meta.synonymsVersion, codeSynonyms: wanted },
      'search synonyms changed; run `npm run reindex -- --from-index` to apply them without downtime',
    );
  }
}

/**
 * Where the indexer writes: every index behind the read alias plus a reindex's new index (behind
 * the pending alias) while one is loading. Resolved per batch, after the batch was read from the
 * stream, so an event committed after the reindex started reading always reaches the new index.
 */
export async function writeTargets(
  engine: SearchEngine,
  alias: string,
  definition: IndexDefinition,
  log?: Logger,
): Promise<string[]> {
  const [read, pending] = await Promise.all([
    engine.aliasTargets(alias),
    engine.aliasTargets(pendingAlias(alias)),
  ]);
  const targets = read.length > 0 ? read : await ensureIndex(engine, alias, definition, log);
  return [...new Set([...targets, ...pending])];
}

/**
 * Points the read alias at `index`, drops the pending alias and deletes the indices the alias
 * pointed at, in one atomic `_aliases` request: readers never see no index or two.
 */
export async function swapAlias(engine: SearchEngine, alias: string, index: string): Promise<string[]> {
  const previous = (await engine.aliasTargets(alias)).filter((name) => name !== index);
  const hasPending = (await engine.aliasTargets(pendingAlias(alias))).includes(index);
  await engine.updateAliases([
    { add: { index, alias } },
    ...(hasPending ? [{ remove: { index, alias: pendingAlias(alias) } }] : []),
    ...previous.map((old) => ({ remove_index: { index: old } })),
  ]);
  return previous;
}
