import type { RequestContext } from '@aetherial/subgraph-kit';
import type { Loaders } from './loaders.js';
import type { ContentStore } from './store.js';

export interface ContentContext extends RequestContext {
  store: ContentStore;
  loaders: Loaders;
}
