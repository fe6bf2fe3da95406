import type { RequestContext } from '@aetherial/subgraph-kit';
import type { SearchService } from './service.js';

/**
 * No DataLoaders here: search returns entity references (ids) only; the owning subgraphs batch
 * the fields through their own loaders. One engine request answers a whole `search` or `suggest`.
 */
export interface SearchContext extends RequestContext {
  search: SearchService;
}
