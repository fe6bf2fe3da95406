/**
 * Query bodies (identical for OpenSearch and Elasticsearch) and the readers of their answers.
 */
import type { SortPosition } from './cursor.js';
import type { SearchEntity } from './documents.js';
import { SEARCH_ENTITIES } from './documents.js';
import { TYPE_NAME_OF, type PriceRangeCountModel, type SearchFacetsModel } from './results.js';
import type { NormalizedFilter } from './validation.js';

/** Titles and names weigh most; bodies and descriptions least. */
const TEXT_FIELDS = ['title^3', 'displayName^3', 'handle^2', 'description', 'body'];
const AUTOCOMPLETE_FIELDS = ['title.autocomplete^2', 'displayName.autocomplete^2', 'handle.autocomplete'];

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

function textQuery(query: string): Clause {
  return {
    bool: {
      should: [
        // Typo tolerance: every word must match one field, each allowed 0..2 edits by length.
        {
          multi_match: {
            query,
            type: 'best_fields',
            fields: TEXT_FIELDS,
            fuzziness: 'AUTO',
            operator: 'and',
            tie_breaker: 0.3,
          },
        },
        // Words spread over fields ("running" in the title, "shoes" in the body), spelled right.
        { multi_match: { query, type: 'cross_fields', fields: TEXT_FIELDS, operator: 'and' } },
        // The exact phrase ranks above scattered words.
        { multi_match: { query, type: 'phrase', fields: TEXT_FIELDS, boost: 2 } },
        // Exact keyword hits: a SKU, a tag.
        { term: { sku: { value: query, boost: 5 } } },
        { term: { tags: { value: query, boost: 2 } } },
      ],
      minimum_should_match: 1,
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

export interface SearchBodyInput {
  query: string;
  filter: NormalizedFilter;
  /** Hits to fetch: the page size plus one (tells whether there is a next page). */
  size: number;
  after: SortPosition | null;
}

/**
 * Filters go to `post_filter`, not the query, so each facet can count with every filter but its
 * own (disjunctive facets) while hits and totalCount honour them all. Filters do not change scores.
 */
export function searchBody({ query, filter, size, after }: SearchBodyInput): Record<string, unknown> {
  const facetScope = (except: FacetName) => ({ bool: { filter: filterClauses(filter, except) } });
  return {
    size,
    track_total_hits: true,
    _source: ['type', 'entityId'],
    query: textQuery(query),
    post_filter: { bool: { filter: filterClauses(filter) } },
    sort: SORT,
    ...(after ? { search_after: after } : {}),
    highlight: {
      // Field text is HTML-escaped; only our <em> tags are markup.
      encoder: 'html',
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
    query: {
      multi_match: { query: prefix, type: 'best_fields', fields: AUTOCOMPLETE_FIELDS, operator: 'and' },
    },
    sort: SORT,
  };
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
