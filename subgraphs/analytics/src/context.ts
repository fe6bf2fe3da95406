import type { RequestContext } from '@aetherial/subgraph-kit';
import type { AnalyticsConfig } from './config.js';
import type { Loaders } from './loaders.js';
import type { AnalyticsStore } from './store.js';
import type { ViewRecorder } from './views.js';

export interface AnalyticsContext extends RequestContext {
  config: AnalyticsConfig;
  store: AnalyticsStore;
  loaders: Loaders;
  views: ViewRecorder;
}
