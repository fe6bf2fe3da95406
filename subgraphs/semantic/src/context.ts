import type { RequestContext } from '@aetherial/subgraph-kit';
import type { SemanticLoaders } from './loaders.js';
import type { SemanticSearch } from './search.js';

/** A Post as this subgraph knows it: only its key; content owns the rest. */
export interface PostRef {
  id: string;
}

export interface SemanticContext extends RequestContext {
  search: SemanticSearch;
  loaders: SemanticLoaders;
}
