/**
 * Query bodies (identical for OpenSearch and Elasticsearch) and the readers of their answers.
 */
import type { SortPosition } from './cursor.js';
import type { SearchEntity } from './documents.js';
import { LIVE_DOCUMENTS, SEARCH_ENTITIES } from './documents.js';
import { TYPE_NAME_OF, type PriceRangeCountModel, type SearchFacetsModel } from './results.js';
import type { NormalizedFilter } from './validation.js';

/** Titles and names weigh most; bodies and descriptions least. */
const FIELD_WEIGHTS: [string, number][] = [
  ['title', 3],
  ['displayName', 3],
  ['handle', 2],
  ['description', 1],
  ['body', 1],
];
const weighted = (suffix: string) =>
  FIELD_WEIGHTS.map(([field, weight]) => `${field}${suffix}${weight === 1 ? '' : `^${weight}`}`);
/** Stemmed, stop words dropped, synonyms at search time. */
const TEXT_FIELDS = weighted('');
/** Whole words (not stemmed): what typo tolerance compares with. */
const PLAIN_FIELDS = weighted('.plain');
const AUTOCOMPLETE_FIELDS = ['title.autocomplete^2', 'displayName.autocomplete^2', 'handle.autocomplete'];

/**
 * How many of the query's words (after stop words are dropped) a document must match: all of one
 * or two words, two of three, half of four or more. A question of eight words
 * finds the post that has its three important ones; a two-word query stays precise.
 */
export const MINIMUM_SHOULD_MATCH = '2<-1 3<50%';
/**
 * The fallback when nothing has enough of the words: any one word will do (as Algolia drops words
 * when nothing matches). The all-words and phrase boosts still order what it finds.
 */
export const RELAXED_MINIMUM_SHOULD_MATCH = '1';

/** Price facet buckets in cents: [from, to), open at the ends. */
export const PRICE_RANGES: { from?: number; to?: number }[] = [
  { to: 1_000 },
  { from: 1_000, to: 2_500 },
  { from: 2_500, to: 5_000 },
  { from: 5_000, to: 10_000 },
  { from: 10_000 },
];
const TAG_FACET_SIZE = 20;

/** Result order: relevance, then the document key so equal scores page deterministically. */
const SORT = [{ _score: { order: 'desc' } }, { key: { order: 'asc' } }];

type Clause = Record<string, unknown>;
type FacetName = 'types' | 'tags' | 'price';

/**
 * Matching and ranking of the query text. A document must match enough of the words
 * (MINIMUM_SHOULD_MATCH) in one of two ways: in one field with typos tolerated, or spread over
 * fields (stemmed, with synonyms). On top of that, documents with ALL the words, with the words as
 * a phrase, and with the phrase in the title rank first; an exact SKU or tag is a match by itself.
 */
export function textQuery(query: string, minimumShouldMatch = MINIMUM_SHOULD_MATCH): Clause {
  return {
    bool: {
      must: [
        {
          bool: {
            should: [
              // Typo tolerance: 0..2 edits per word by its length, against whole (unstemmed) words.
              {
                multi_match: {
                  query,
                  type: 'best_fields',
                  fields: PLAIN_FIELDS,
                  fuzziness: 'AUTO',
                  // Few variants per word: keeps long queries under the engine's clause limit.
                  max_expansions: 10,
                  minimum_should_match: minimumShouldMatch,
                  tie_breaker: 0.3,
                },
              },
              // What is still being typed: the last word as a prefix ("sourdo" finds "sourdough").
              {
                multi_match: {
                  query,
                  type: 'bool_prefix',
                  fields: PLAIN_FIELDS,
                  fuzziness: 'AUTO',
                  max_expansions: 10,
                  minimum_should_match: minimumShouldMatch,
                },
              },
              // Words spread over fields ("sourdough" in the title, "feed" in the body), word forms
              // and synonyms.
              {
                multi_match: {
                  query,
                  type: 'cross_fields',
                  fields: TEXT_FIELDS,
                  minimum_should_match: minimumShouldMatch,
                  tie_breaker: 0.3,
                },
              },
              // Exact keyword hits: a SKU, a tag.
              { term: { sku: { value: query, boost: 5 } } },
              { term: { tags: { value: query, boost: 2 } } },
            ],
            minimum_should_match: 1,
          },
        },
      ],
      should: [
        // Every word present ranks above all but one, which ranks above fewer.
        { multi_match: { query, type: 'cross_fields', fields: TEXT_FIELDS, operator: 'and', boost: 2 } },
        {
          multi_match: {
            query,
            type: 'cross_fields',
            fields: TEXT_FIELDS,
            minimum_should_match: '2<-1',
            boost: 2,
          },
        },
        // The words as a phrase (one word may sit between them) rank above scattered words...
        { multi_match: { query, type: 'phrase', fields: TEXT_FIELDS, slop: 1, boost: 2 } },
        // ...and most in the title.
        { match_phrase: { title: { query, slop: 1, boost: 4 } } },
      ],
    },
  };
}

function filterClauses(filter: NormalizedFilter, except?: FacetName): Clause[] {
  const clauses: Clause[] = [];
  if (filter.types.length > 0 && except !== 'types') clauses.push({ terms: { type: filter.types } });
  if (filter.tags.length > 0 && except !== 'tags') clauses.push({ terms: { tags: filter.tags } });
  if ((filter.priceMinCents !== null || filter.priceMaxCents !== null) && except !== 'price') {
    clauses.push({
      range: {
        priceCents: {
          ...(filter.priceMinCents !== null ? { gte: filter.priceMinCents } : {}),
          ...(filter.priceMaxCents !== null ? { lte: filter.priceMaxCents } : {}),
        },
      },
    });
  }
  if (filter.authorId !== null) clauses.push({ term: { authorId: filter.authorId } });
  return clauses;
}

/**
 * Tombstones (removed entities, kept for the version guard) have no text and so match no text
 * query; this filter states it, so no future query can show one. A filter does not change scores.
 */
const liveOnly = (query: Clause): Clause => ({ bool: { must: [query], filter: [LIVE_DOCUMENTS] } });

export interface SearchBodyInput {
  query: string;
  filter: NormalizedFilter;
  /** Hits to fetch: the page size plus one (tells whether there is a next page). */
  size: number;
  after: SortPosition | null;
  /** Any one word of the query suffices (the fallback when nothing matched enough of them). */
  relaxed?: boolean;
}

/**
 * Filters go to `post_filter`, not the query, so each facet can count with every filter but its
 * own (disjunctive facets) while hits and totalCount honour them all. Filters do not change scores.
 */
export function searchBody({
  query,
  filter,
  size,
  after,
  relaxed = false,
}: SearchBodyInput): Record<string, unknown> {
  const facetScope = (except: FacetName) => ({ bool: { filter: filterClauses(filter, except) } });
  return {
    size,
    track_total_hits: true,
    _source: ['type', 'entityId'],
    query: liveOnly(textQuery(query, relaxed ? RELAXED_MINIMUM_SHOULD_MATCH : MINIMUM_SHOULD_MATCH)),
    post_filter: { bool: { filter: filterClauses(filter) } },
    sort: SORT,
    ...(after ? { search_after: after } : {}),
    highlight: {
      // Field text is HTML-escaped; only our <em> tags are markup.
      encoder: 'html',
      // Words can match through a subfield (typos against `title.plain`) or another field (cross
      // fields): mark them wherever they occur in the text shown.
      require_field_match: false,
      pre_tags: ['<em>'],
      post_tags: ['</em>'],
      fields: {
        title: { number_of_fragments: 0 },
        displayName: { number_of_fragments: 0 },
        description: { fragment_size: 150, number_of_fragments: 2 },
        body: { fragment_size: 150, number_of_fragments: 3 },
      },
    },
    aggs: {
      facet_types: {
        filter: facetScope('types'),
        aggs: { values: { terms: { field: 'type', size: SEARCH_ENTITIES.length } } },
      },
      facet_tags: {
        filter: facetScope('tags'),
        aggs: {
          values: {
            terms: { field: 'tags', size: TAG_FACET_SIZE, order: [{ _count: 'desc' }, { _key: 'asc' }] },
          },
        },
      },
      facet_price: {
        filter: facetScope('price'),
        aggs: { ranges: { range: { field: 'priceCents', ranges: PRICE_RANGES } } },
      },
    },
  };
}

export function suggestBody(prefix: string, size: number): Record<string, unknown> {
  return {
    size,
    _source: ['type', 'entityId', 'title', 'displayName'],
    query: liveOnly({
      multi_match: { query: prefix, type: 'best_fields', fields: AUTOCOMPLETE_FIELDS, operator: 'and' },
    }),
    sort: SORT,
  };
}

export const DID_YOU_MEAN = 'did_you_mean';

/**
 * A "did you mean" for a query that found nothing: the phrase suggester corrects each word against
 * the index's own vocabulary (`spelling`: every text field, unstemmed), up to two edits a word,
 * and proposes the most likely whole phrase. It proposes only phrases it scores above the query as
 * typed (`confidence` 1), so a query of real words is left alone.
 */
export function didYouMeanBody(query: string): Record<string, unknown> {
  return {
    size: 0,
    suggest: {
      text: query,
      [DID_YOU_MEAN]: {
        phrase: {
          field: 'spelling',
          size: 1,
          gram_size: 1,
          confidence: 1,
          max_errors: 2,
          direct_generator: [
            { field: 'spelling', suggest_mode: 'always', max_edits: 2, prefix_length: 0, min_word_length: 3 },
          ],
        },
      },
    },
  };
}

/** The suggested text, or null when the suggester has nothing better than the query. */
export function readDidYouMean(suggest: Record<string, unknown>, query: string): string | null {
  const entries = suggest[DID_YOU_MEAN] as { options?: { text?: string }[] }[] | undefined;
  const text = entries?.[0]?.options?.[0]?.text?.trim();
  if (!text || text.toLowerCase() === query.trim().toLowerCase()) return null;
  return text;
}

interface Bucket {
  key: string | number;
  doc_count: number;
  from?: number;
  to?: number;
}

function buckets(aggregations: Record<string, unknown>, name: string, inner: string): Bucket[] {
  const facet = aggregations[name] as Record<string, { buckets?: Bucket[] } | undefined> | undefined;
  return facet?.[inner]?.buckets ?? [];
}

export function readFacets(aggregations: Record<string, unknown>): SearchFacetsModel {
  const typeCounts = new Map(
    buckets(aggregations, 'facet_types', 'values').map((bucket) => [String(bucket.key), bucket.doc_count]),
  );
  return {
    // Every type, zero included, in a fixed order: a UI can render the same tabs every time.
    types: SEARCH_ENTITIES.map((entity: SearchEntity) => ({
      value: TYPE_NAME_OF[entity],
      count: typeCounts.get(entity) ?? 0,
    })),
    tags: buckets(aggregations, 'facet_tags', 'values').map((bucket) => ({
      value: String(bucket.key),
      count: bucket.doc_count,
    })),
    priceRanges: buckets(aggregations, 'facet_price', 'ranges').map((bucket): PriceRangeCountModel => ({
      minCents: bucket.from ?? null,
      maxCents: bucket.to ?? null,
      count: bucket.doc_count,
    })),
  };
}
