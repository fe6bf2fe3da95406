import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadAnalyticsConfig } from './config.js';
import { analyticsSubgraph } from './subgraph.js';

runUntilSignalled(() => analyticsSubgraph.start(loadAnalyticsConfig()));
