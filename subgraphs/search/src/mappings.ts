import { loadSynonyms, synonymsVersion, textAnalysis } from './analysis.js';
import type { IndexDefinition } from './engine/engine.js';

/**
 * Bumped whenever the definition below changes in a way existing indices do not have; the
 * indexer warns when the index behind the alias is older (run `npm run reindex`), unless the
 * change is one of ADDITIVE_UPGRADES.
 */
export const MAPPING_VERSION = 4;

/**
 * Changes that only add fields: an index at the key's version gets them in place (PUT _mapping)
 * and moves to the next version, without a reindex.
 */
export const ADDITIVE_UPGRADES: Readonly<Record<number, Record<string, unknown>>> = {
  3: { removedAt: { type: 'date' } },
};

/** Longest prefix (per word) the autocomplete grams cover; longer typed words are cut to it. */
const MAX_GRAM = 20;

/**
 * Autocomplete uses an edge_ngram SUBFIELD (`title.autocomplete`, `displayName.autocomplete`,
 * `handle.autocomplete`) rather than a `completion` field, because:
 *  - it completes any word of a title ("sho" finds "Red shoes"), a completion field only its start;
 *  - it lives in the same document, so external versioning, deletes and filters apply to
 *    suggestions exactly as to search (completion suggesters cannot take a bool filter);
 *  - it is plain mapping + query DSL, identical on OpenSearch and Elasticsearch.
 * The price is a larger index, so only short name fields get grams (not bodies/descriptions).
 */
const autocompleteSubfield = {
  type: 'text',
  analyzer: 'autocomplete_index',
  search_analyzer: 'autocomplete_search',
};

/**
 * English analysis (stemming, stop words) with synonyms at search time (see analysis.ts); the
 * `.plain` subfield keeps whole words for typo tolerance. Every text field is also copied into
 * `spelling`, the vocabulary the "did you mean" suggester draws its corrections from.
 */
const englishText = {
  type: 'text',
  analyzer: 'english_text',
  search_analyzer: 'english_search',
  copy_to: 'spelling',
  fields: { plain: { type: 'text', analyzer: 'plain_text' } },
};
const englishTextWithAutocomplete = {
  ...englishText,
  fields: { ...englishText.fields, autocomplete: autocompleteSubfield },
};

export interface SearchIndexOptions {
  replicas?: number;
  /** Synonym rules (Solr format); default: the reviewed `synonyms.txt` of this package. */
  synonyms?: string[];
}

export function searchIndexDefinition(options: SearchIndexOptions = {}): IndexDefinition {
  const synonyms = options.synonyms ?? loadSynonyms();
  const text = textAnalysis(synonyms);
  return {
    settings: {
      // One shard: facet counts are exact and scores do not vary between shards (stable pages).
      // A shard comfortably holds tens of millions of these small documents.
      number_of_shards: 1,
      number_of_replicas: options.replicas ?? 0,
      // New documents become searchable within a quarter second (default 1 s): write-to-searchable
      // latency matters more here than the extra segment merges cost at this size.
      refresh_interval: '250ms',
      // The indexer never deletes (a removal is a tombstone document, see documents.ts); this
      // covers deletes sent by hand or by an older indexer still running during an upgrade.
      'index.gc_deletes': '1h',
      analysis: {
        filter: {
          autocomplete_edge_ngram: { type: 'edge_ngram', min_gram: 1, max_gram: MAX_GRAM },
          autocomplete_truncate: { type: 'truncate', length: MAX_GRAM },
          ...text.filter,
        },
        analyzer: {
          ...text.analyzer,
          autocomplete_index: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['lowercase', 'asciifolding', 'autocomplete_edge_ngram'],
          },
          // Typed words are not cut into grams (that would match every word sharing a letter).
          autocomplete_search: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['lowercase', 'asciifolding', 'autocomplete_truncate'],
          },
        },
        normalizer: {
          lowercase_keyword: { type: 'custom', filter: ['lowercase', 'asciifolding'] },
        },
      },
    },
    mappings: {
      // Documents are built by code; an unexpected field is a bug, not something to guess a type for.
      dynamic: 'strict',
      _meta: { mappingVersion: MAPPING_VERSION, synonymsVersion: synonymsVersion(synonyms) },
      properties: {
        /** `<Type>:<id>`, also the document _id; the pagination tiebreak (sorting on _id is not allowed). */
        key: { type: 'keyword' },
        type: { type: 'keyword' },
        entityId: { type: 'keyword' },
        version: { type: 'long' },
        /** True on tombstones only (the version guard's memory of a removal). */
        deleted: { type: 'boolean' },
        /** Tombstones only: when written, for the purge (ADDITIVE_UPGRADES[3]). */
        ...ADDITIVE_UPGRADES[3],
        title: englishTextWithAutocomplete,
        displayName: englishTextWithAutocomplete,
        handle: englishTextWithAutocomplete,
        description: englishText,
        // Offsets make highlighting long bodies cheap (no re-analysis).
        body: { ...englishText, index_options: 'offsets' },
        sku: { type: 'keyword', normalizer: 'lowercase_keyword' },
        tags: { type: 'keyword' },
        priceCents: { type: 'integer' },
        currency: { type: 'keyword' },
        authorId: { type: 'keyword' },
        status: { type: 'keyword' },
        createdAt: { type: 'date' },
        // Filled by copy_to only (never in a document's source).
        spelling: { type: 'text', analyzer: 'plain_text' },
      },
    },
  };
}

/** The concrete index names behind the alias: `<alias>-v<timestamp>`. */
export const versionedIndexName = (alias: string, now = Date.now()): string => `${alias}-v${now}`;

/**
 * A reindex puts its new index behind this second alias while it loads; the indexer writes every
 * event to the indices behind both aliases, so nothing that happens during a reindex is lost.
 */
export const pendingAlias = (alias: string): string => `${alias}-next`;
