import type { RequestContext } from '@aetherial/subgraph-kit';
import type { Loaders } from './loaders.js';
import type { SocialStore } from './store.js';

export interface SocialContext extends RequestContext {
  store: SocialStore;
  loaders: Loaders;
}
