import { connectionFrom, graphQLError, type Logger } from '@aetherial/subgraph-kit';
import { decodeSearchCursor, encodeSearchCursor, searchHash, type SortPosition } from './cursor.js';
import { isSearchEntity, type SearchEntity } from './documents.js';
import { EngineRequestError, EngineUnavailableError, type SearchEngine } from './engine/engine.js';
import { didYouMeanBody, readDidYouMean, readFacets, searchBody, suggestBody } from './query.js';
import {
  TYPE_NAME_OF,
  type SearchConnectionModel,
  type SearchHitModel,
  type SuggestionModel,
} from './results.js';
import {
  DEFAULT_FIRST,
  MAX_PREFIX_LENGTH,
  validateFilter,
  validateFirst,
  validateQuery,
  validateText,
  type NormalizedFilter,
  type SearchFilterArgs,
} from './validation.js';

export interface SearchArgs {
  query: string;
  filter?: SearchFilterArgs | null;
  first?: number | null;
  after?: string | null;
}

export interface SuggestArgs {
  prefix: string;
  first?: number | null;
}

export interface SearchService {
  search(args: SearchArgs, log: Logger): Promise<SearchConnectionModel>;
  suggest(args: SuggestArgs, log: Logger): Promise<SuggestionModel[]>;
}

interface HitSource {
  type: string;
  entityId: string;
  title?: string;
  displayName?: string;
}

const DEFAULT_SUGGESTIONS = 8;

/**
 * The engine down (or the index missing) is a GraphQL error with code UNAVAILABLE on the search
 * field, naming the engine, not a crash: the gateway still answers the other subgraphs' fields.
 * The engine's address and raw reason go to the log only.
 */
function engineFailure(engine: SearchEngine, alias: string, error: unknown, log: Logger): unknown {
  if (error instanceof EngineUnavailableError) {
    log.warn({ err: error, engine: engine.kind }, 'search engine unavailable');
    return graphQLError('UNAVAILABLE', `search engine ${engine.kind} is unavailable; try again shortly`, {
      engine: engine.kind,
    });
  }
  if (error instanceof EngineRequestError && error.type === 'index_not_found_exception') {
    log.warn({ err: error, alias }, 'search index missing');
    return graphQLError(
      'UNAVAILABLE',
      `search engine ${engine.kind} has no search index yet; try again shortly`,
      {
        engine: engine.kind,
      },
    );
  }
  return error;
}

function entityOf(source: HitSource): SearchEntity {
  if (!isSearchEntity(source.type))
    throw new Error(`search index holds a document of unknown type ${source.type}`);
  return source.type;
}

export function createSearchService(engine: SearchEngine, alias: string): SearchService {
  /**
   * A correction from the index's vocabulary, offered only if it finds something under the same
   * filter (a suggestion that also finds nothing would only send the user round in circles).
   */
  async function suggestCorrection(
    query: string,
    filter: NormalizedFilter,
    log: Logger,
  ): Promise<string | null> {
    let answer;
    try {
      answer = await engine.search<HitSource>(alias, didYouMeanBody(query));
    } catch (error) {
      // An index made before mapping v2 has no `spelling` field: no suggestion, not a failed search.
      if (!(error instanceof EngineRequestError)) throw error;
      log.warn({ err: error, alias }, 'did-you-mean suggestion failed; is the index older than mapping v2?');
      return null;
    }
    const correction = readDidYouMean(answer.suggest, query);
    if (correction === null) return null;
    const check = await engine.search<HitSource>(
      alias,
      searchBody({ query: correction, filter, size: 0, after: null, relaxed: true }),
    );
    return check.total > 0 ? correction : null;
  }

  return {
    async search(args, log) {
      const query = validateQuery(args.query);
      const filter = validateFilter(args.filter);
      const first = validateFirst(args.first, DEFAULT_FIRST);
      const hash = searchHash(query, filter);
      const cursor = decodeSearchCursor(args.after, hash);
      const after = cursor?.position ?? null;
      const run = (relaxed: boolean) =>
        engine.search<HitSource>(alias, searchBody({ query, filter, size: first + 1, after, relaxed }));
      let result;
      let relaxed = cursor?.relaxed ?? false;
      let didYouMean: string | null = null;
      try {
        result = await run(relaxed);
        // Nothing had enough of the words: answer with what has some of them rather than nothing.
        if (result.total === 0 && !relaxed) {
          relaxed = true;
          result = await run(relaxed);
        }
        if (result.total === 0 && cursor === null) didYouMean = await suggestCorrection(query, filter, log);
      } catch (error) {
        throw engineFailure(engine, alias, error, log);
      }
      const hits = result.hits.map((hit) => {
        const position: SortPosition = [Number(hit.sort[0] ?? hit.score ?? 0), String(hit.sort[1] ?? hit.id)];
        const node: SearchHitModel = {
          score: hit.score ?? position[0],
          highlights: Object.entries(hit.highlight).map(([field, snippets]) => ({ field, snippets })),
          item: { __typename: entityOf(hit.source), id: hit.source.entityId },
        };
        return { node, position };
      });
      const connection = connectionFrom(
        hits,
        first,
        (hit) => encodeSearchCursor(hash, hit.position, relaxed),
        after !== null,
      );
      return {
        edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: edge.node.node })),
        pageInfo: connection.pageInfo,
        totalCount: result.total,
        facets: readFacets(result.aggregations),
        didYouMean,
      };
    },

    async suggest(args, log) {
      const prefix = validateText('prefix', args.prefix, MAX_PREFIX_LENGTH);
      const first = validateFirst(args.first, DEFAULT_SUGGESTIONS);
      let result;
      try {
        result = await engine.search<HitSource>(alias, suggestBody(prefix, first));
      } catch (error) {
        throw engineFailure(engine, alias, error, log);
      }
      return result.hits.map((hit) => ({
        text: hit.source.title ?? hit.source.displayName ?? '',
        type: TYPE_NAME_OF[entityOf(hit.source)],
        id: hit.source.entityId,
      }));
    },
  };
}
