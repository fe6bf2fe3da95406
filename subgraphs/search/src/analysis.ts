import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Text analysis of the search index: what a word becomes at index time and at search time.
 *
 *  - `english_text` (index time): possessives, lowercase, accents folded, stop words dropped,
 *    English stemming ("running" -> "run").
 *  - `english_search` (search time): the same plus the reviewed synonyms (`synonyms.txt`) as a
 *    `synonym_graph` filter. Synonyms live only here, so documents never depend on them.
 *  - `plain_text`: lowercase and folded, stop words dropped, NOT stemmed. Typo tolerance matches
 *    against it (a fuzzy match on stems misses: "meditaton" is 4 edits from the stem "medit", 1
 *    from "meditation") and the "did you mean" suggester proposes its real words.
 *
 * The stop list is Lucene's English list plus the words that questions are made of ("how",
 * "should", "my"...): people type questions, and those words say nothing about which post answers.
 */
export const STOP_WORDS = [
  // Lucene's English stop set (`_english_`)
  ...['a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it'],
  ...['no', 'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these'],
  ...['they', 'this', 'to', 'was', 'will', 'with'],
  // question words, pronouns, auxiliaries
  ...['i', 'me', 'my', 'mine', 'we', 'us', 'our', 'you', 'your', 'he', 'him', 'his', 'she', 'her'],
  ...['its', 'them', 'what', 'which', 'who', 'whom', 'whose', 'why', 'how', 'when', 'where'],
  ...['do', 'does', 'did', 'can', 'could', 'should', 'would', 'shall', 'might', 'must', 'am'],
  ...['has', 'have', 'had', 'been', 'being', 'were', 'so', 'than', 'too', 'very', 'just', 'about'],
];

const SYNONYMS_FILE = new URL('../synonyms.txt', import.meta.url);

/** The rules of a Solr-format synonym file: comments and blank lines dropped. */
export function parseSynonyms(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

export function loadSynonyms(file: URL = SYNONYMS_FILE): string[] {
  return parseSynonyms(readFileSync(file, 'utf8'));
}

/** Identifies a synonym set; an index records the one it was created with (`_meta`). */
export const synonymsVersion = (rules: string[]): string =>
  createHash('sha256').update(rules.join('\n')).digest('hex').slice(0, 16);

/** The `analysis.filter` and `analysis.analyzer` settings of the text fields. */
export function textAnalysis(synonyms: string[]) {
  return {
    filter: {
      english_possessive: { type: 'stemmer', language: 'possessive_english' },
      english_stop: { type: 'stop', stopwords: STOP_WORDS },
      english_stemmer: { type: 'stemmer', language: 'english' },
      // A rule that the analyser cannot parse is skipped, not a failed index creation.
      domain_synonyms: { type: 'synonym_graph', synonyms, lenient: true },
    },
    analyzer: {
      english_text: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['english_possessive', 'lowercase', 'asciifolding', 'english_stop', 'english_stemmer'],
      },
      english_search: {
        type: 'custom',
        tokenizer: 'standard',
        filter: [
          'english_possessive',
          'lowercase',
          'asciifolding',
          'domain_synonyms',
          'english_stop',
          'english_stemmer',
        ],
      },
      plain_text: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['english_possessive', 'lowercase', 'asciifolding', 'english_stop'],
      },
    },
  };
}
