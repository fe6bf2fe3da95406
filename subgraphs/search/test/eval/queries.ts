/**
 * Labelled queries for full-text search over the semantic eval corpus (84 short posts,
 * subgraphs/semantic/test/eval/corpus.ts), so both subgraphs are measured on the same posts.
 * The paraphrase and exact-term sets are semantic's own; the question, typo and partial-word sets
 * are written for full-text: what people type into a search box.
 */
import { corpus } from '../../../semantic/test/eval/corpus.js';
import { exactTermQueries, queries as paraphraseQueries } from '../../../semantic/test/eval/queries.js';

export interface LabelledQuery {
  text: string;
  /** Post ids of the corpus that answer the query (binary relevance). */
  relevant: string[];
}

export { corpus, exactTermQueries, paraphraseQueries };

/** Questions as users ask them: function words, the post's own words here and there. */
export const questionQueries: LabelledQuery[] = [
  { text: 'how often should I feed my sourdough starter', relevant: ['p01'] },
  { text: 'why is my sourdough starter not rising', relevant: ['p01'] },
  { text: 'how do I bake a crusty baguette at home', relevant: ['p02'] },
  { text: 'how can I keep my basil plant alive', relevant: ['p03'] },
  { text: 'why are the leaves on my tomato plants turning yellow', relevant: ['p04'] },
  { text: 'can I compost in a small apartment', relevant: ['p05'] },
  { text: 'how do I find a memory leak in node', relevant: ['p06'] },
  { text: 'why does my kubernetes pod get killed', relevant: ['p07'] },
  { text: 'how do I make a slow postgres query faster', relevant: ['p08'] },
  { text: 'what is the difference between promises and async await', relevant: ['p09'] },
  { text: 'how should I train for a marathon', relevant: ['p11'] },
  { text: 'how do I stop getting shin splints', relevant: ['p12'] },
  { text: 'what is the avalanche method for paying off debt', relevant: ['p16'] },
  { text: 'should I buy index funds or individual stocks', relevant: ['p17'] },
  { text: 'how big should an emergency fund be', relevant: ['p18'] },
  { text: 'how do I get my toddler to sleep through the night', relevant: ['p19'] },
  { text: 'how to house train a puppy', relevant: ['p20'] },
  { text: 'why does my cat scratch the sofa', relevant: ['p21'] },
  { text: 'how do I fix a dripping faucet', relevant: ['p24'] },
  { text: 'can I change the engine oil of my car myself', relevant: ['p26'] },
  { text: 'why does my car battery die overnight', relevant: ['p27'] },
  { text: 'how much water should I drink every day', relevant: ['p29'] },
  { text: 'what are the best chess openings for a beginner', relevant: ['p32'] },
  { text: 'how does a heat pump heat a house', relevant: ['p34'] },
  { text: 'is git rebase better than merge', relevant: ['p53'] },
  { text: 'how do I protect my app against sql injection', relevant: ['p54'] },
  { text: 'what is the secret to crispy roast potatoes', relevant: ['p62'] },
  { text: 'how do I cook rice so it is not sticky', relevant: ['p63'] },
];

/** Keyword queries with the typos people make (one or two letters per word). */
export const typoQueries: LabelledQuery[] = [
  { text: 'sourdogh starter', relevant: ['p01'] },
  { text: 'baguete', relevant: ['p02'] },
  { text: 'tomatoe yelow leaves', relevant: ['p04'] },
  { text: 'kubernets', relevant: ['p07'] },
  { text: 'postgre indexs', relevant: ['p08'] },
  { text: 'javascipt promises', relevant: ['p09'] },
  { text: 'maraton training', relevant: ['p11'] },
  { text: 'shin splits', relevant: ['p12'] },
  { text: 'emergancy fund', relevant: ['p18'] },
  { text: 'puppy house trainig', relevant: ['p20'] },
  { text: 'guitr chords', relevant: ['p22'] },
  { text: 'dripping fawcet', relevant: ['p24'] },
  { text: 'drywal patch', relevant: ['p25'] },
  { text: 'insomina', relevant: ['p30'] },
  { text: 'meditaton', relevant: ['p58'] },
  { text: 'pomodor technique', relevant: ['p47'] },
];

/** What is typed before a word is finished. */
export const partialQueries: LabelledQuery[] = [
  { text: 'sourdo', relevant: ['p01'] },
  { text: 'bague', relevant: ['p02'] },
  { text: 'kubern', relevant: ['p07'] },
  { text: 'postgr', relevant: ['p08'] },
  { text: 'marath', relevant: ['p11'] },
  { text: 'compost', relevant: ['p05'] },
  { text: 'meditat', relevant: ['p58'] },
  { text: 'two-fac', relevant: ['p10'] },
  { text: 'chess open', relevant: ['p32'] },
  { text: 'heat pum', relevant: ['p34'] },
];

export const QUERY_SETS: Record<string, LabelledQuery[]> = {
  paraphrase: paraphraseQueries,
  question: questionQueries,
  exactTerm: exactTermQueries,
  typo: typoQueries,
  partial: partialQueries,
};
