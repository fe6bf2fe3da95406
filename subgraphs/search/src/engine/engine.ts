/**
 * What the search subgraph needs from a search engine, independent of the client library.
 * OpenSearch and Elasticsearch take the same index definitions and query bodies; only the
 * clients' call shapes and error classes differ, so the two drivers stay thin and everything
 * above them (aliases, indexer, reindex, queries) is written once.
 */

export type EngineKind = 'opensearch' | 'elasticsearch';

/** Settings and mappings of an index, as sent to `PUT /<index>`. */
export interface IndexDefinition {
  settings: Record<string, unknown>;
  mappings: Record<string, unknown>;
}

/**
 * One write of a bulk request. `version` is the entity's version from its source of truth, sent
 * with `version_type: external`: the engine applies a write only when its version is greater than
 * the stored one, so an older event can never overwrite (or resurrect) a newer document.
 */
export type BulkOperation =
  | { action: 'index'; index: string; id: string; version: number; source: Record<string, unknown> }
  | { action: 'delete'; index: string; id: string; version: number };

export type BulkOutcome =
  /** Applied. */
  | 'written'
  /** Rejected by external versioning: the engine already has this version or a newer one. */
  | 'stale'
  /** A delete of a document the engine does not have (its version is still recorded). */
  | 'absent'
  | 'failed';

export interface BulkItemResult {
  index: string;
  id: string;
  status: number;
  outcome: BulkOutcome;
  error?: string;
}

export interface EngineHit<TSource> {
  id: string;
  index: string;
  score: number | null;
  /** Present when the search asked for `version: true`. */
  version: number | null;
  source: TSource;
  sort: (string | number)[];
  highlight: Record<string, string[]>;
}

export interface EngineSearchResult<TSource> {
  total: number;
  hits: EngineHit<TSource>[];
  aggregations: Record<string, unknown>;
  /** The `suggest` section of the answer, by suggestion name (empty when none was asked for). */
  suggest: Record<string, unknown>;
}

export interface StoredDocument {
  index: string;
  version: number;
  source: Record<string, unknown>;
}

export type AliasAction =
  | { add: { index: string; alias: string } }
  | { remove: { index: string; alias: string } }
  | { remove_index: { index: string } };

export interface SearchEngine {
  readonly kind: EngineKind;
  /** Throws EngineUnavailableError when the engine does not answer. */
  ping(): Promise<void>;
  createIndex(name: string, definition: IndexDefinition, aliases?: string[]): Promise<void>;
  /** Deletes an index; a missing index is not an error. */
  deleteIndex(name: string): Promise<void>;
  /** The concrete indices behind an alias, sorted; empty when the alias does not exist. */
  aliasTargets(alias: string): Promise<string[]>;
  /** Applies alias changes atomically (one `_aliases` request). */
  updateAliases(actions: AliasAction[]): Promise<void>;
  /** The `_meta` of an index's mappings (holds our mapping version). */
  mappingMeta(index: string): Promise<Record<string, unknown>>;
  /** Adds fields to an index's mappings and replaces its `_meta`: an additive change, no reindex. */
  putMapping(
    index: string,
    properties: Record<string, unknown>,
    meta: Record<string, unknown>,
  ): Promise<void>;
  /**
   * Deletes the documents matching `query`, refreshing first so it sees every write; a document
   * written meanwhile is left alone (conflicts proceed). Returns how many went.
   */
  deleteByQuery(index: string, query: Record<string, unknown>): Promise<number>;
  /** One bulk request; per-item outcomes in request order. Throws only when the request as a whole fails. */
  bulk(operations: BulkOperation[], options?: { refresh?: boolean }): Promise<BulkItemResult[]>;
  /** Real-time get by id (sees writes before a refresh); null when absent. */
  get(index: string, id: string): Promise<StoredDocument | null>;
  search<TSource>(index: string, body: Record<string, unknown>): Promise<EngineSearchResult<TSource>>;
  count(index: string): Promise<number>;
  refresh(index: string): Promise<void>;
  /** Tokens an analyzer of an index produces (tests and diagnostics). */
  analyze(index: string, analyzer: string, text: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The engine did not answer (down, unreachable, timed out, overloaded). */
export class EngineUnavailableError extends Error {
  constructor(
    readonly engine: EngineKind,
    readonly reason: string,
  ) {
    super(`search engine ${engine} is unavailable: ${reason}`);
    this.name = 'EngineUnavailableError';
  }
}

/** The engine answered with an error about the request (4xx), e.g. `index_not_found_exception`. */
export class EngineRequestError extends Error {
  constructor(
    readonly engine: EngineKind,
    readonly status: number,
    readonly type: string,
    readonly reason: string,
  ) {
    super(`${engine} refused the request (${status} ${type}): ${reason}`);
    this.name = 'EngineRequestError';
  }
}

/** The `error` member of an engine's error body, when there is one. */
export function describeEngineError(body: unknown): { type: string; reason: string } {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === 'string') return { type: 'error', reason: error };
    if (typeof error === 'object' && error !== null) {
      const { type, reason } = error as { type?: unknown; reason?: unknown };
      return { type: String(type ?? 'error'), reason: String(reason ?? JSON.stringify(error)) };
    }
  }
  return { type: 'error', reason: typeof body === 'string' ? body : JSON.stringify(body) };
}

/**
 * An error status and body of either client -> the engine's two error kinds. 429 (rejected
 * execution) and 5xx mean "try later", not "your request is wrong".
 */
export function responseError(engine: EngineKind, status: number, body: unknown): Error {
  const { type, reason } = describeEngineError(body);
  if (status === 429 || status >= 500)
    return new EngineUnavailableError(engine, `${status} ${type}: ${reason}`);
  return new EngineRequestError(engine, status, type, reason);
}

/** Wraps a driver's client calls so callers only ever see the engine's error kinds. */
export function guardedCalls(translate: (error: unknown) => Error) {
  return async function call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw translate(error);
    }
  };
}

export const isNotFound = (error: unknown): boolean =>
  error instanceof EngineRequestError && error.status === 404;

interface RawBulkItem {
  _index?: string;
  _id?: string;
  status?: number;
  result?: string;
  error?: unknown;
}

/** Reads a bulk response's `items` (same format in both engines) into outcomes. */
export function bulkResults(items: unknown, operations: BulkOperation[]): BulkItemResult[] {
  if (!Array.isArray(items) || items.length !== operations.length) {
    throw new Error(
      `bulk response has ${Array.isArray(items) ? items.length : 'no'} items for ${operations.length} operations`,
    );
  }
  return items.map((entry: Record<string, RawBulkItem>, position) => {
    const operation = operations[position]!;
    const item = entry[operation.action] ?? Object.values(entry)[0] ?? {};
    const status = Number(item.status ?? 0);
    const base = { index: item._index ?? operation.index, id: item._id ?? operation.id, status };
    if (status >= 200 && status < 300) return { ...base, outcome: 'written' };
    if (status === 409) return { ...base, outcome: 'stale' };
    if (status === 404 && operation.action === 'delete' && item.result === 'not_found')
      return { ...base, outcome: 'absent' };
    const { type, reason } = describeEngineError({ error: item.error });
    return { ...base, outcome: 'failed', error: `${type}: ${reason}` };
  });
}

/** Bulk body lines for both engines: action line (with external version), then the source. */
export function bulkLines(operations: BulkOperation[]): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const operation of operations) {
    const meta = {
      _index: operation.index,
      _id: operation.id,
      version: operation.version,
      version_type: 'external',
    };
    if (operation.action === 'index') lines.push({ index: meta }, operation.source);
    else lines.push({ delete: meta });
  }
  return lines;
}

interface RawHit {
  _id: string;
  _index: string;
  _score?: number | null;
  _version?: number;
  _source?: unknown;
  sort?: (string | number)[];
  highlight?: Record<string, string[]>;
}

/** Reads a search response body (same format in both engines). */
export function searchResult<TSource>(body: unknown): EngineSearchResult<TSource> {
  const { hits, aggregations, suggest } = body as {
    hits: { total?: number | { value: number }; hits: RawHit[] };
    aggregations?: Record<string, unknown>;
    suggest?: Record<string, unknown>;
  };
  const total = typeof hits.total === 'number' ? hits.total : (hits.total?.value ?? hits.hits.length);
  return {
    total,
    aggregations: aggregations ?? {},
    suggest: suggest ?? {},
    hits: hits.hits.map((hit) => ({
      id: hit._id,
      index: hit._index,
      score: hit._score ?? null,
      version: hit._version ?? null,
      source: hit._source as TSource,
      sort: hit.sort ?? [],
      highlight: hit.highlight ?? {},
    })),
  };
}
