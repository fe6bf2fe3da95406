import type { RequestContext } from '@aetherial/subgraph-kit';
import type { Loaders } from './loaders.js';
import type { ContentStore } from './store.js';

export interface ContentContext extends RequestContext {
  store: ContentStore;
  loaders: Loaders;
  /** Call after a write that recorded outbox events: the relay publishes them now. */
  eventsRecorded: () => void;
}
